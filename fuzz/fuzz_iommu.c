/* fuzz_iommu: the simulated IOMMU (dma/iommu.c, iova.c, iotlb.c) alone,
 * against a reference model of what the device may reach: the live
 * mappings and, in lazy mode, the unmapped ones whose IOTLB invalidation is
 * still queued. Every device translation is checked against it:
 *   - inside a live mapping: the right GPA, or NO_READ / NO_WRITE exactly
 *     as the mapping's prot says, never through a stale entry;
 *   - inside an unmapped-but-not-flushed mapping (lazy): UNMAPPED, or a
 *     success flagged stale that still lands on the old GPA;
 *   - anywhere else (never mapped, unmapped in strict mode, flushed,
 *     invalidated): UNMAPPED.
 * A success the device should not have had is a STALE_IOTLB finding when
 * the address was mapped once, DATA_INTEGRITY when it never was.
 *
 * Input: byte 0 bit 0 picks lazy (1) or strict (0) invalidation; then up
 * to MAX_OPS operations, an opcode byte (mod 16, weighted by op_table) and
 * fixed-width arguments reduced into range against the current state, so
 * every byte sequence is a program.
 *
 * Description syntax (encode; decode prints the same one op per line):
 *   mode=lazy ops=N opseed=S      N generated op bytes (seeded splitmix64)
 *   [mode=lazy|mode=strict;] OP; OP; ...   an explicit program (strict by
 *   default); OP is one of
 *     map GPA SIZE PROT            PROT r|w|rw; GPA + SIZE inside the 16 MiB
 *     unmap H                      handle H (the H-th successful map)
 *     flush                        run the lazy flush queue
 *     invalidate-all               drop every device IOTLB entry
 *     set-lazy | set-strict        switch mode (going strict flushes)
 *     translate H [OFF] [read|write]        OFF bytes from the first page
 *     translate-stale H [OFF] [read|write]  of mapping H (a live one for
 *                                           translate, an unmapped one
 *                                           for translate-stale)
 *     translate-next H [OFF] [read|write]   the page after mapping H
 *     translate-addr ADDR [read|write]      any IOVA near the aperture
 *   A handle of the wrong state selects the next one of the right state.
 *
 * Armed: DATA_INTEGRITY, STALE_IOTLB, PROTOCOL (vrs_iommu_check, page
 * accounting, placement, a result the model rules out). */
#include "dma/iommu.h"
#include "dmamodel.h"
#include "fuzz/target.h"
#include "vrsim/guard.h"
#include "vrsim/xlate.h"

#define GMEM_BYTES ((size_t)16 << 20)
#define IOVA_BASE 0x100000000ull
#define APERTURE ((size_t)16 << 20)
#define IOTLB_ENTRIES 16u
#define MAX_OPS 512
#define PAGE ((uint64_t)VRS_PAGE_SIZE)
#define RW (VRS_IOMMU_READ | VRS_IOMMU_WRITE)

enum kind { K_MAP, K_UNMAP, K_FLUSH, K_INVAL, K_SETMODE, K_XLATE, K_COUNT };
/* Opcode byte mod 16; the first K_COUNT entries are the identity, which is
 * what encode writes. */
static const uint8_t op_table[16] = {
	K_MAP,	 K_UNMAP, K_FLUSH, K_INVAL, K_SETMODE, K_XLATE, K_MAP,	 K_MAP,
	K_MAP,	 K_UNMAP, K_UNMAP, K_XLATE, K_XLATE,   K_XLATE, K_XLATE, K_XLATE};

/* How a translation picks its address. */
enum tmode { T_LIVE, T_STALE, T_NEXT, T_ADDR, T_COUNT };
static const char *const tmode_names[T_COUNT] = {
	"translate", "translate-stale", "translate-next", "translate-addr"};
static const char *const prot_names[4] = {"-", "r", "w", "rw"};

enum state {
	S_LIVE,	   /* mapped */
	S_PENDING, /* lazily unmapped: the device may still hold an entry */
	S_GONE,	   /* unmapped and invalidated: unreachable */
};

/* One successful map; index = handle number. */
struct handle {
	vrs_dma_addr_t iova; /* what map_range returned */
	vrs_gpa_t gpa;
	uint32_t size, npages;
	uint8_t prot, state;
};

/* One executed operation: arguments and result (decode, abort hook). */
struct op {
	uint8_t kind, tmode, prot;
	bool write, lazy, done;
	int h;		     /* resolved handle; -1: none */
	uint32_t size, off;  /* map: size; translate: offset */
	vrs_gpa_t gpa;	     /* map */
	vrs_dma_addr_t addr; /* translate: the IOVA; map: the result */
	int rc, newh;
	uint8_t fault;	     /* translate: enum vrs_xlate_fault */
	bool stale;
	vrs_gpa_t res_gpa;
};

/* Process state, created by init; everything below is reset per input. */
static struct vrs_gmem *gm;
static struct vrs_iommu *io;
static struct vrs_xlate xl;

static bool lazy;
static bool lazy0; /* the input's starting mode, for the abort hook */
static struct handle hs[MAX_OPS];
static unsigned nh;
static struct op ops[MAX_OPS];
static unsigned nops;
static bool decoding; /* run_input is printing each op */
static uint64_t live_pages; /* model: pages of live mappings */

/* ---- printing ---------------------------------------------------------- */

static const char *fault_name(unsigned f)
{
	static const char *const names[] = {"ok", "unmapped", "no-read",
					    "no-write", "outside"};
	return f < VRS_ARRAY_SIZE(names) ? names[f] : "?";
}

static const char *rc_name(int rc)
{
	return rc == 0 ? "ok" : rc == -ENOMEM ? "-ENOMEM"
		     : rc == -EINVAL	      ? "-EINVAL"
					      : "error";
}

static void format_op(const struct op *o, char *b, size_t cap)
{
	int n = 0;
	const char *rw = o->write ? "write" : "read";
	switch (o->kind) {
	case K_MAP:
		n = snprintf(b, cap, "map 0x%llx %u %s",
			     (unsigned long long)o->gpa, o->size,
			     prot_names[o->prot]);
		break;
	case K_UNMAP:
		if (o->h < 0)
			n = snprintf(b, cap, "# unmap: no live mapping");
		else
			n = snprintf(b, cap, "unmap %d", o->h);
		break;
	case K_FLUSH:
		n = snprintf(b, cap, "flush");
		break;
	case K_INVAL:
		n = snprintf(b, cap, "invalidate-all");
		break;
	case K_SETMODE:
		n = snprintf(b, cap, "%s", o->lazy ? "set-lazy" : "set-strict");
		break;
	case K_XLATE:
		if (o->tmode == T_ADDR)
			n = snprintf(b, cap, "translate-addr 0x%llx %s",
				     (unsigned long long)o->addr, rw);
		else if (o->h < 0)
			n = snprintf(b, cap, "# %s: no such mapping",
				     tmode_names[o->tmode]);
		else
			n = snprintf(b, cap, "%s %d 0x%x %s",
				     tmode_names[o->tmode], o->h, o->off, rw);
		break;
	}
	if (n < 0 || (size_t)n >= cap)
		return;
	b += n;
	cap -= (size_t)n;
	if (!o->done)
		snprintf(b, cap, "  # (running)");
	else if (o->kind == K_MAP && o->newh >= 0)
		snprintf(b, cap, "  # -> #%d iova 0x%llx", o->newh,
			 (unsigned long long)o->addr);
	else if (o->kind == K_MAP || (o->kind == K_UNMAP && o->h >= 0))
		snprintf(b, cap, "  # -> %s", rc_name(o->rc));
	else if (o->kind == K_XLATE && (o->h >= 0 || o->tmode == T_ADDR)) {
		if (o->fault == VRS_XLATE_OK)
			snprintf(b, cap, "  # 0x%llx -> gpa 0x%llx%s",
				 (unsigned long long)o->addr,
				 (unsigned long long)o->res_gpa,
				 o->stale ? " (stale)" : "");
		else
			snprintf(b, cap, "  # 0x%llx -> %s",
				 (unsigned long long)o->addr,
				 fault_name(o->fault));
	}
}

static void print_op(const struct op *o, FILE *f)
{
	char line[160];
	format_op(o, line, sizeof(line));
	fprintf(f, "%s\n", line);
}

static void print_context(void *ctx)
{
	fprintf(stderr, "---- vrsim: the input, decoded (ops so far) ----\n");
	fprintf(stderr, "mode=%s\n", lazy0 ? "lazy" : "strict");
	for (unsigned i = 0; i < nops; i++)
		print_op(&ops[i], stderr);
	fprintf(stderr, "---- reproduce: scripts/reproduce %s FILE ----\n",
		vrs_fuzz_target.name);
}

static const char *cur_op(void)
{
	static char line[160];
	format_op(&ops[nops - 1], line, sizeof(line));
	return line;
}

/* ---- the model ---------------------------------------------------------- */

static vrs_dma_addr_t first_page(const struct handle *hd)
{
	return hd->iova & ~(PAGE - 1);
}

static bool covers(const struct handle *hd, vrs_dma_addr_t addr)
{
	return addr >= first_page(hd) &&
	       addr - first_page(hd) < (uint64_t)hd->npages * PAGE;
}

/* The handle of that state whose pages hold addr; -1 if none. (At most
 * one live or pending mapping holds a page; gone ones may overlap.) */
static int covering(vrs_dma_addr_t addr, int state)
{
	for (unsigned h = nh; h-- > 0;)
		if ((state < 0 || hs[h].state == state) && covers(&hs[h], addr))
			return (int)h;
	return -1;
}

/* A handle of the wanted state, from raw on; -1 when none. want_live
 * false means any unmapped one. */
static int pick(unsigned raw, bool want_live)
{
	for (unsigned i = 0; i < nh; i++) {
		unsigned h = (raw + i) % nh;
		if ((hs[h].state == S_LIVE) == want_live)
			return (int)h;
	}
	return -1;
}

static void end_pending(void)
{
	for (unsigned h = 0; h < nh; h++)
		if (hs[h].state == S_PENDING)
			hs[h].state = S_GONE;
}

/* Size field: the low 24 bits shifted right by shifts[bits 24..27], so
 * random bytes give sizes from a byte to all of guest memory, mostly a
 * page or less (huge mappings make every check walk thousands of PTEs). */
static const uint8_t shifts[16] = {0,  2,  4,  6,  8,  10, 12, 12,
				   12, 12, 13, 13, 14, 14, 16, 18};

static uint32_t size_of(uint32_t raw)
{
	uint32_t s = ((raw & 0xffffff) >> shifts[(raw >> 24) & 15]) + 1;
	return VRS_MIN(s, (uint32_t)GMEM_BYTES - 1);
}

static void read_op(struct vrs_provider *p, struct op *o)
{
	memset(o, 0, sizeof(*o));
	o->h = o->newh = -1;
	o->kind = op_table[vrs_provider_u8(p) % 16];
	switch (o->kind) {
	case K_MAP: {
		uint32_t gpa = vrs_provider_u32(p);
		o->size = size_of(vrs_provider_u32(p));
		o->prot = (uint8_t)(1 + vrs_provider_u8(p) % 3);
		o->gpa = 1 + gpa % (uint32_t)(GMEM_BYTES - o->size);
		break;
	}
	case K_UNMAP:
		o->h = pick(vrs_provider_u8(p), true);
		break;
	case K_SETMODE:
		o->lazy = vrs_provider_u8(p) & 1;
		break;
	case K_XLATE: {
		o->tmode = vrs_provider_u8(p) % T_COUNT;
		uint8_t raw = vrs_provider_u8(p);
		uint32_t off = vrs_provider_u32(p);
		o->write = vrs_provider_u8(p) & 1;
		if (o->tmode == T_ADDR) {
			o->addr = IOVA_BASE - PAGE + off % (APERTURE + 2 * PAGE);
			break;
		}
		o->h = o->tmode == T_NEXT ? (nh ? (int)(raw % nh) : -1)
					  : pick(raw, o->tmode == T_LIVE);
		if (o->h < 0)
			break;
		const struct handle *hd = &hs[o->h];
		if (o->tmode == T_NEXT) {
			o->off = hd->npages * (uint32_t)PAGE + off % (uint32_t)PAGE;
		} else {
			o->off = off % (hd->npages * (uint32_t)PAGE);
		}
		o->addr = first_page(hd) + o->off;
		break;
	}
	}
}

/* ---- executing operations ------------------------------------------------ */

static void do_map(struct op *o)
{
	vrs_dma_addr_t iova;
	o->rc = vrs_iommu_map_range(io, o->gpa, o->size, o->prot, &iova);
	uint64_t npages = ((o->gpa & (PAGE - 1)) + o->size + PAGE - 1) / PAGE;
	if (o->rc == -ENOMEM && live_pages == 0 && npages <= APERTURE / PAGE)
		vrs_report(VRS_FIND_PROTOCOL,
			   "iommu: [%s] failed with nothing mapped", cur_op());
	else if (o->rc < 0 && o->rc != -ENOMEM)
		vrs_report(VRS_FIND_PROTOCOL, "iommu: [%s] failed: %d",
			   cur_op(), o->rc);
	if (o->rc < 0)
		return;
	const char *why = NULL;
	if ((iova & (PAGE - 1)) != (o->gpa & (PAGE - 1)))
		why = "does not keep the page offset";
	else if (iova < IOVA_BASE || iova - IOVA_BASE > APERTURE - o->size)
		why = "is outside the aperture";
	struct handle nhd = {.iova = iova, .npages = (uint32_t)npages};
	for (unsigned h = 0; !why && h < nh; h++)
		if (hs[h].state != S_GONE &&
		    first_page(&hs[h]) < first_page(&nhd) + npages * PAGE &&
		    first_page(&nhd) < first_page(&hs[h]) + hs[h].npages * PAGE) {
			/* A pending IOVA comes back only after the queue was
			 * flushed (it flushes itself when full or when map
			 * runs out of space): that mapping is gone now. */
			if (hs[h].state == S_PENDING)
				hs[h].state = S_GONE;
			else
				why = "overlaps a live mapping";
		}
	if (why) {
		vrs_report(VRS_FIND_PROTOCOL, "iommu: [%s] gave IOVA 0x%llx, "
			   "which %s", cur_op(), (unsigned long long)iova, why);
		return;
	}
	o->addr = iova;
	o->newh = (int)nh;
	hs[nh++] = (struct handle){.iova = iova,
				   .gpa = o->gpa,
				   .size = o->size,
				   .npages = (uint32_t)npages,
				   .prot = o->prot,
				   .state = S_LIVE};
	live_pages += npages;
}

static void do_unmap(struct op *o)
{
	struct handle *hd = &hs[o->h];
	o->rc = vrs_iommu_unmap_range(io, hd->iova, hd->size);
	if (o->rc < 0) {
		vrs_report(VRS_FIND_PROTOCOL,
			   "iommu: [%s] of a live mapping failed: %d", cur_op(),
			   o->rc);
		return;
	}
	hd->state = lazy ? S_PENDING : S_GONE;
	live_pages -= hd->npages;
}

/* The translation against the model; the page-table walk too. */
static void check_xlate(struct op *o)
{
	vrs_dma_addr_t a = o->addr;
	unsigned need = o->write ? VRS_IOMMU_WRITE : VRS_IOMMU_READ;
	const char *acc = o->write ? "write" : "read";
	vrs_gpa_t walk_gpa = 0;
	unsigned walk_prot = 0;
	int walk = vrs_iommu_lookup(io, a, &walk_gpa, &walk_prot);
	int l = covering(a, S_LIVE);
	if (l >= 0) {
		const struct handle *hd = &hs[l];
		vrs_gpa_t want = hd->gpa + (a - hd->iova);
		if (walk < 0 || walk_gpa != want || walk_prot != hd->prot)
			vrs_report(VRS_FIND_DATA_INTEGRITY,
				   "iommu: [%s] page table for live #%d at "
				   "0x%llx: %s gpa 0x%llx prot %u, want gpa "
				   "0x%llx prot %u", cur_op(), l,
				   (unsigned long long)a,
				   walk < 0 ? "no entry," : "",
				   (unsigned long long)walk_gpa, walk_prot,
				   (unsigned long long)want, hd->prot);
		if (!(hd->prot & need)) {
			unsigned f = o->write ? VRS_XLATE_NO_WRITE
					      : VRS_XLATE_NO_READ;
			if (o->fault == VRS_XLATE_OK)
				vrs_report(VRS_FIND_DATA_INTEGRITY,
					   "iommu: [%s] device may %s a page "
					   "mapped %s", cur_op(), acc,
					   prot_names[hd->prot]);
			else if (o->fault != f)
				vrs_report(VRS_FIND_PROTOCOL,
					   "iommu: [%s] gave %s, want %s",
					   cur_op(), fault_name(o->fault),
					   fault_name(f));
		} else if (o->fault != VRS_XLATE_OK) {
			vrs_report(VRS_FIND_PROTOCOL,
				   "iommu: [%s] live mapping #%d gave %s",
				   cur_op(), l, fault_name(o->fault));
		} else if (o->stale) {
			vrs_report(VRS_FIND_STALE_IOTLB,
				   "iommu: [%s] live mapping #%d served by a "
				   "stale IOTLB entry (gpa 0x%llx, want 0x%llx)",
				   cur_op(), l, (unsigned long long)o->res_gpa,
				   (unsigned long long)want);
		} else if (o->res_gpa != want) {
			vrs_report(VRS_FIND_DATA_INTEGRITY,
				   "iommu: [%s] translated to gpa 0x%llx, live "
				   "mapping #%d says 0x%llx", cur_op(),
				   (unsigned long long)o->res_gpa, l,
				   (unsigned long long)want);
		}
		return;
	}
	if (walk == 0)
		vrs_report(VRS_FIND_PROTOCOL,
			   "iommu: [%s] page table still maps unmapped IOVA "
			   "0x%llx to gpa 0x%llx", cur_op(),
			   (unsigned long long)a, (unsigned long long)walk_gpa);
	if (o->fault != VRS_XLATE_OK) {
		if (o->fault != VRS_XLATE_UNMAPPED)
			vrs_report(VRS_FIND_PROTOCOL,
				   "iommu: [%s] unmapped IOVA gave %s, want "
				   "unmapped", cur_op(), fault_name(o->fault));
		return;
	}
	int p = covering(a, S_PENDING), ever = covering(a, -1);
	if (ever < 0) {
		vrs_report(VRS_FIND_DATA_INTEGRITY,
			   "iommu: [%s] device reached gpa 0x%llx through "
			   "IOVA 0x%llx, which was never mapped", cur_op(),
			   (unsigned long long)o->res_gpa,
			   (unsigned long long)a);
	} else if (!o->stale) {
		vrs_report(VRS_FIND_STALE_IOTLB,
			   "iommu: [%s] device reached freed memory (gpa "
			   "0x%llx, unmapped #%d) through an unflagged IOTLB "
			   "entry", cur_op(), (unsigned long long)o->res_gpa,
			   ever);
	} else if (p < 0) {
		vrs_report(VRS_FIND_STALE_IOTLB,
			   "iommu: [%s] device reached freed memory (gpa "
			   "0x%llx, #%d) after its IOTLB entry should have been "
			   "invalidated (%s)", cur_op(),
			   (unsigned long long)o->res_gpa, ever,
			   lazy ? "flushed or invalidated" : "strict unmap");
	} else {
		const struct handle *hd = &hs[p];
		vrs_gpa_t want = hd->gpa + (a - hd->iova);
		if (o->res_gpa != want || !(hd->prot & need))
			vrs_report(VRS_FIND_DATA_INTEGRITY,
				   "iommu: [%s] stale entry of #%d gave gpa "
				   "0x%llx for a %s, the mapping was gpa 0x%llx "
				   "%s", cur_op(), p,
				   (unsigned long long)o->res_gpa, acc,
				   (unsigned long long)want,
				   prot_names[hd->prot]);
	}
}

static void do_xlate(struct op *o)
{
	struct vrs_xlate_result res = {0};
	o->fault = (uint8_t)xl.translate(xl.ctx, o->addr, o->write, &res);
	o->stale = o->fault == VRS_XLATE_OK && res.stale;
	o->res_gpa = o->fault == VRS_XLATE_OK ? res.gpa : 0;
	check_xlate(o);
}

static void check_structure(void)
{
	vrs_dm_check_result("vrs_iommu_check", vrs_iommu_check(io), nops, cur_op(),
			    decoding);
}

static void exec_op(struct op *o)
{
	switch (o->kind) {
	case K_MAP:
		do_map(o);
		break;
	case K_UNMAP:
		if (o->h >= 0)
			do_unmap(o);
		break;
	case K_FLUSH:
		vrs_iommu_flush(io);
		end_pending();
		break;
	case K_INVAL:
		/* Pending IOVAs stay reserved, but no entry reaches them. */
		vrs_iommu_invalidate_all(io);
		end_pending();
		break;
	case K_SETMODE:
		vrs_iommu_set_lazy(io, o->lazy);
		if (!o->lazy)
			end_pending();
		lazy = o->lazy;
		break;
	case K_XLATE:
		o->done = true; /* the result fields are set from here on */
		if (o->h >= 0 || o->tmode == T_ADDR)
			do_xlate(o);
		break;
	}
	o->done = true;
	if (vrs_dm_full_check_due(nops, decoding))
		check_structure();
	if (vrs_iommu_mapped_pages(io) != live_pages)
		vrs_report(VRS_FIND_PROTOCOL,
			   "iommu: %zu pages mapped after op %u [%s], the "
			   "model has %llu", vrs_iommu_mapped_pages(io),
			   nops - 1, cur_op(), (unsigned long long)live_pages);
}

/* ---- the target ------------------------------------------------------------ */

static void run_input(const uint8_t *data, size_t len, FILE *out)
{
	decoding = out != NULL;
	/* The backend is clean: init left it so and every input cleans up
	 * after itself (below). */
	vrs_report_clear();
	nh = nops = 0;
	live_pages = 0;

	struct vrs_provider p;
	vrs_provider_bytes(&p, data, len);
	lazy = lazy0 = vrs_provider_u8(&p) & 1;
	vrs_iommu_set_lazy(io, lazy);
	if (out)
		fprintf(out, "mode=%s\n", lazy ? "lazy" : "strict");
	while (!vrs_provider_done(&p) && nops < MAX_OPS) {
		struct op *o = &ops[nops++];
		read_op(&p, o);
		struct vrs_dm_counts before;
		if (out)
			vrs_dm_snapshot(&before);
		exec_op(o);
		if (out) {
			print_op(o, out);
			vrs_dm_print_new(&before, out);
		}
	}
	/* the ops since the last periodic check */
	if (!decoding && nops % VRS_DM_CHECK_EVERY)
		check_structure();
	/* Clean up now rather than at the next input's start, so that input's
	 * path does not depend on this one (AFL++ stability). */
	vrs_gmem_reset(gm);
	vrs_iommu_reset(io);
}

static void cleanup(void)
{
	vrs_iommu_destroy(io);
	vrs_gmem_destroy(gm);
	io = NULL;
	gm = NULL;
}

static int init(void)
{
	struct vrs_iommu_config cfg = {.iova_base = IOVA_BASE,
				       .aperture = APERTURE,
				       .iotlb_entries = IOTLB_ENTRIES};
	int rc = vrs_gmem_create(GMEM_BYTES, &gm);
	if (rc == 0)
		rc = vrs_iommu_create(gm, &cfg, &io);
	if (rc < 0) {
		cleanup();
		return rc;
	}
	vrs_iommu_xlate(io, &xl);
	vrs_report_set_mode(VRS_REPORT_ABORT);
	vrs_report_set_armed(VRS_FIND_BIT(VRS_FIND_DATA_INTEGRITY) |
			     VRS_FIND_BIT(VRS_FIND_STALE_IOTLB) |
			     VRS_FIND_BIT(VRS_FIND_PROTOCOL));
	vrs_report_set_abort_hook(print_context, NULL);
	return 0;
}

static int run(const uint8_t *data, size_t len)
{
	run_input(data, len, NULL);
	return 0;
}

/* Run the input with findings recorded, printing each op as it runs. */
static void decode(const uint8_t *data, size_t len, FILE *f)
{
	enum vrs_report_mode mode = vrs_report_mode();
	vrs_report_set_mode(VRS_REPORT_RECORD);
	run_input(data, len, f);
	vrs_report_set_mode(mode);
}

/* ---- encode ------------------------------------------------------------------ */

static bool parse_mode(const char *w, uint8_t *mode)
{
	if (strcmp(w, "mode=lazy") == 0)
		return (void)(*mode = 1), true;
	if (strcmp(w, "mode=strict") == 0)
		return (void)(*mode = 0), true;
	return false;
}

/* translate*: the words after the name: [H] [OFF] [read|write]. */
static bool put_xlate(struct vrs_dm_enc *e, const struct vrs_dm_words *w,
		      unsigned t)
{
	uint64_t nums[2] = {0, 0};
	unsigned nn = 0, write = 0;
	for (unsigned i = 1; i < w->n; i++) {
		if (i == w->n - 1 && (strcmp(w->w[i], "read") == 0 ||
				      strcmp(w->w[i], "write") == 0))
			write = w->w[i][0] == 'w';
		else if (nn < 2 && vrs_dm_num(w->w[i], &nums[nn]))
			nn++;
		else
			return false;
	}
	vrs_dm_put8(e, (uint8_t)t);
	if (t == T_ADDR) {
		uint64_t a = nums[0];
		if (nn != 1 || a < IOVA_BASE - PAGE ||
		    a - (IOVA_BASE - PAGE) >= APERTURE + 2 * PAGE)
			return false;
		vrs_dm_put8(e, 0);
		vrs_dm_put32(e, (uint32_t)(a - (IOVA_BASE - PAGE)));
	} else {
		if (nn < 1 || nums[0] > 255 || nums[1] > UINT32_MAX)
			return false;
		vrs_dm_put8(e, (uint8_t)nums[0]);
		vrs_dm_put32(e, (uint32_t)nums[1]);
	}
	vrs_dm_put8(e, (uint8_t)write);
	return true;
}

static bool put_op(struct vrs_dm_enc *e, const struct vrs_dm_words *w)
{
	const char *name = w->w[0];
	uint64_t gpa, size, h;
	for (unsigned t = 0; t < T_COUNT; t++)
		if (strcmp(name, tmode_names[t]) == 0) {
			vrs_dm_put8(e, K_XLATE);
			return put_xlate(e, w, t);
		}
	if (strcmp(name, "map") == 0) {
		unsigned prot = 0;
		for (unsigned i = 1; i < 4; i++)
			if (w->n == 4 && strcmp(w->w[3], prot_names[i]) == 0)
				prot = i;
		if (w->n != 4 || !vrs_dm_num(w->w[1], &gpa) ||
		    !vrs_dm_num(w->w[2], &size) || !prot || size < 1 ||
		    size >= GMEM_BYTES || gpa < 1 || gpa > GMEM_BYTES - size)
			return false;
		vrs_dm_put8(e, K_MAP);
		vrs_dm_put32(e, (uint32_t)(gpa - 1));
		vrs_dm_put32(e, (uint32_t)(size - 1));
		vrs_dm_put8(e, (uint8_t)(prot - 1));
		return true;
	}
	if (strcmp(name, "unmap") == 0) {
		if (w->n != 2 || !vrs_dm_num(w->w[1], &h) || h > 255)
			return false;
		vrs_dm_put8(e, K_UNMAP);
		vrs_dm_put8(e, (uint8_t)h);
		return true;
	}
	if (w->n != 1)
		return false;
	if (strcmp(name, "flush") == 0)
		vrs_dm_put8(e, K_FLUSH);
	else if (strcmp(name, "invalidate-all") == 0)
		vrs_dm_put8(e, K_INVAL);
	else if (strcmp(name, "set-lazy") == 0 || strcmp(name, "set-strict") == 0) {
		vrs_dm_put8(e, K_SETMODE);
		vrs_dm_put8(e, name[4] == 'l');
	} else
		return false;
	return true;
}

static long encode(const char *description, uint8_t *out, size_t cap)
{
	struct vrs_dm_enc e = {.out = out, .cap = cap};
	struct vrs_dm_words w;
	bool bad = false;
	const char *s = description;
	uint8_t mode = 0;
	vrs_dm_put8(&e, 0); /* the mode byte, set below */
	if (strstr(description, "ops=")) {
		uint64_t n = 0, seed = 1;
		if (!vrs_dm_next_op(&s, &w, &bad) || *s)
			bad = true;
		for (unsigned i = 0; !bad && i < w.n; i++)
			if (!parse_mode(w.w[i], &mode) &&
			    !vrs_dm_key(w.w[i], "ops", &n, &bad) &&
			    !vrs_dm_key(w.w[i], "opseed", &seed, &bad))
				bad = true;
		if (!bad)
			vrs_dm_put_seeded(&e, n, seed);
	} else {
		for (unsigned i = 0; !bad && vrs_dm_next_op(&s, &w, &bad); i++) {
			if (bad || w.n == 0)
				continue;
			if (i == 0 && w.n == 1 && parse_mode(w.w[0], &mode))
				continue;
			if (!put_op(&e, &w)) {
				fprintf(stderr, "fuzz_iommu: cannot encode "
					"'%s ...'\n", w.w[0]);
				bad = true;
			}
		}
	}
	if (bad || e.full || !cap) {
		fprintf(stderr, "fuzz_iommu: bad description (see the syntax "
			"at the top of fuzz/fuzz_iommu.c)\n");
		return -EINVAL;
	}
	out[0] = mode;
	return (long)e.len;
}

VRS_FUZZ_TARGET(.name = "fuzz_iommu", .init = init, .run = run,
		.cleanup = cleanup, .decode = decode, .encode = encode);
