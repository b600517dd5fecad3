/* fuzz_swiotlb: the SWIOTLB backend (dma/swiotlb.c) alone, against a
 * reference model of every byte the device and the CPU must see, with the
 * copy semantics dma/swiotlb.h documents (Linux 6.1): map always copies the
 * original into the slot; unmap and sync_for_cpu copy back for FROM_DEVICE
 * and BIDIRECTIONAL; sync_for_device copies out for TO_DEVICE and
 * BIDIRECTIONAL; a partial sync copies exactly its range.
 *
 * Input: byte 0 picks the device's min_align_mask (value mod 4: 0, 0x7ff,
 * 0xfff, 0x3f); then up to MAX_OPS operations, an opcode byte (mod 16,
 * weighted by op_table) and fixed-width arguments, each reduced into its
 * range against the current state, so every byte sequence is a program.
 *
 * Description syntax (encode; decode prints the same one op per line):
 *   mask=0xfff ops=N opseed=S    N generated op bytes (seeded splitmix64)
 *   [mask=M;] OP; OP; ...         an explicit program; OP is one of
 *     map SIZE DIR [BUF [OFF]]     DIR to-device|from-device|bidirectional;
 *                                  original at offset OFF of buffer BUF
 *                                  (0..3: 4, 16, 64, 320 KiB)
 *     unmap H [+D|-D]              unmap handle H, its size off by D
 *     sync-cpu H OFF LEN [DIR]     OFF bytes into mapping H, or end+N past
 *     sync-device H OFF LEN [DIR]  its end; LEN, or rest+N (N too many);
 *                                  DIR defaults to the mapping's
 *     device-write H OFF LEN [VAL] the device stores LEN bytes in the slot
 *     cpu-write BUF OFF LEN [VAL]  the CPU stores LEN bytes in a buffer
 *     alloc SIZE                   pool allocation (restricted DMA pool)
 *     free H [+D|-D]
 *   Handles number the successful maps and allocs from 0. A handle that is
 *   not live (or of the wrong kind) selects the next live one.
 *
 * Armed: DATA_INTEGRITY (a byte differs from the model) and PROTOCOL
 * (backend check, slot accounting or placement wrong, a result the model
 * rules out). DMA_MISUSE is the backend's expected answer to the misuse
 * ops; the model checks it fires exactly when it should. */
#include "dma/swiotlb.h"
#include "dmamodel.h"
#include "fuzz/target.h"
#include "vrsim/guard.h"

#define GMEM_BYTES ((size_t)16 << 20)
#define POOL_BYTES ((size_t)1 << 20)
#define MAX_OPS 256
#define NBUF 4
#define SLOT ((size_t)VRS_SWIOTLB_SLOT_SIZE)
#define SEG_BYTES ((size_t)VRS_SWIOTLB_MAX_MAPPING)
/* The sizes oversize maps reach: up to a page past the maximum. */
#define OVERSIZE_SPAN 0x1000u

static const size_t buf_bytes[NBUF] = {4096, 16384, 65536, 320 << 10};
static const uint64_t masks[4] = {0, 0x7ff, 0xfff, 0x3f};

enum kind {
	K_MAP,
	K_UNMAP,
	K_SYNC_CPU,
	K_SYNC_DEV,
	K_DEV_WRITE,
	K_CPU_WRITE,
	K_ALLOC,
	K_FREE,
	K_COUNT
};
static const char *const kind_names[K_COUNT] = {
	"map",		"unmap",     "sync-cpu", "sync-device",
	"device-write", "cpu-write", "alloc",	 "free"};
/* Opcode byte mod 16; the first K_COUNT entries are the identity, which is
 * what encode writes. */
static const uint8_t op_table[16] = {
	K_MAP,	    K_UNMAP,	K_SYNC_CPU, K_SYNC_DEV, K_DEV_WRITE, K_CPU_WRITE,
	K_ALLOC,    K_FREE,	K_MAP,	    K_MAP,	K_UNMAP,     K_SYNC_CPU,
	K_SYNC_DEV, K_DEV_WRITE, K_MAP,	    K_DEV_WRITE};
/* By enum vrs_dma_dir value. */
static const char *const dir_names[3] = {"bidirectional", "to-device",
					 "from-device"};

/* A map or alloc the model tracks; index = handle number. */
struct handle {
	vrs_gpa_t tlb;	  /* data address the backend returned */
	vrs_gpa_t slots;  /* first slot */
	uint32_t size;	  /* bytes mapped or allocated */
	uint32_t nbytes;  /* slot bytes held */
	uint32_t boff;	  /* map: original at buffer buf, offset boff */
	uint8_t buf, dir;
	bool alloc, live;
};

/* One executed operation: decoded arguments and result (for decode and
 * the abort hook). */
struct op {
	uint8_t kind, buf, dir, val;
	bool dir_given;	    /* sync: explicit direction */
	int h;		    /* resolved handle; -1: no target */
	uint32_t size, off, len;
	uint32_t off_plus;  /* sync: OFF was end+N (N), 0: plain */
	uint32_t len_plus;  /* sync: LEN was rest+N (N), 0: plain */
	int64_t adj;	    /* unmap/free: size given minus size mapped */
	bool done;	    /* executed to the end */
	int rc;
	int newh;	    /* map/alloc: handle created, or -1 */
	vrs_gpa_t addr;	    /* map/alloc: what the backend returned */
};

/* Process state, created by init; everything below is reset per input. */
static struct vrs_gmem *gm;
static struct vrs_swiotlb *sw;
static vrs_gpa_t pool_start;
static uint8_t *pattern[NBUF]; /* initial contents of each buffer */
static uint8_t *exp_buf[NBUF]; /* model: what each buffer must hold */
static uint8_t *exp_pool;      /* model: what live slots must hold */
/* What writers store: len <= 65536 bytes from offset val. */
static uint8_t noise[65536 + 256];

static vrs_gpa_t buf_gpa[NBUF]; /* 0 until the input first uses it */
static unsigned mask_idx;
static struct handle hs[MAX_OPS];
static unsigned nh;
static struct op ops[MAX_OPS];
static unsigned nops;
static bool decoding; /* run_input is printing each op */
static size_t used_bytes; /* model: slot bytes held by live handles */

/* ---- printing ---------------------------------------------------------- */

static const char *rc_name(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case -ENOMEM:
		return "-ENOMEM";
	case -EINVAL:
		return "-EINVAL";
	default:
		return "error";
	}
}

static void fmt_adj(char *b, size_t cap, int64_t adj)
{
	if (adj)
		snprintf(b, cap, " %+lld", (long long)adj);
	else
		b[0] = '\0';
}

/* The op in the description syntax, then "# result". */
static void format_op(const struct op *o, char *b, size_t cap)
{
	char x[32], y[32];
	const char *name = kind_names[o->kind];
	int n = 0;
	if (o->h < 0 && o->kind != K_MAP && o->kind != K_CPU_WRITE &&
	    o->kind != K_ALLOC) {
		snprintf(b, cap, "# %s: no live target", name);
		return;
	}
	switch (o->kind) {
	case K_MAP:
		n = snprintf(b, cap, "map %u %s %u %u", o->size,
			     dir_names[o->dir], o->buf, o->off);
		break;
	case K_UNMAP:
	case K_FREE:
		fmt_adj(x, sizeof(x), o->adj);
		n = snprintf(b, cap, "%s %d%s", name, o->h, x);
		break;
	case K_SYNC_CPU:
	case K_SYNC_DEV:
		if (o->off_plus)
			snprintf(x, sizeof(x), "end+%u", o->off_plus);
		else
			snprintf(x, sizeof(x), "%u", o->off);
		if (o->len_plus)
			snprintf(y, sizeof(y), "rest+%u", o->len_plus);
		else
			snprintf(y, sizeof(y), "%u", o->len);
		n = snprintf(b, cap, "%s %d %s %s%s%s", name, o->h, x, y,
			     o->dir_given ? " " : "",
			     o->dir_given ? dir_names[o->dir] : "");
		break;
	case K_DEV_WRITE:
		n = snprintf(b, cap, "device-write %d %u %u %u", o->h, o->off,
			     o->len, o->val);
		break;
	case K_CPU_WRITE:
		n = snprintf(b, cap, "cpu-write %u %u %u %u", o->buf, o->off,
			     o->len, o->val);
		break;
	case K_ALLOC:
		n = snprintf(b, cap, "alloc %u", o->size);
		break;
	}
	if (n < 0 || (size_t)n >= cap)
		return;
	if (!o->done)
		snprintf(b + n, cap - (size_t)n, "  # (running)");
	else if (o->newh >= 0)
		snprintf(b + n, cap - (size_t)n, "  # -> #%d at 0x%llx",
			 o->newh, (unsigned long long)o->addr);
	else if (o->kind != K_DEV_WRITE && o->kind != K_CPU_WRITE)
		snprintf(b + n, cap - (size_t)n, "  # -> %s", rc_name(o->rc));
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
	fprintf(stderr, "mask=0x%llx\n", (unsigned long long)masks[mask_idx]);
	for (unsigned i = 0; i < nops; i++)
		print_op(&ops[i], stderr);
	fprintf(stderr, "---- reproduce: scripts/reproduce %s FILE ----\n",
		vrs_fuzz_target.name);
}

/* ---- the model's checks ------------------------------------------------ */

static const char *cur_op(void)
{
	static char line[160];
	if (!nops)
		return "end of input";
	format_op(&ops[nops - 1], line, sizeof(line));
	return line;
}

/* Compare guest bytes with the model; on a mismatch report and take the
 * real bytes as the model's (so a RECORD-mode decode does not cascade). */
static void check_bytes(const char *what, vrs_gpa_t gpa, uint8_t *exp,
			size_t len)
{
	const uint8_t *real = vrs_gmem_hva(gm, gpa, len);
	if (!len || (real && memcmp(real, exp, len) == 0))
		return;
	if (!real) {
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb model: %s at 0x%llx is outside guest memory",
			   what, (unsigned long long)gpa);
		return;
	}
	size_t i = 0;
	while (real[i] == exp[i])
		i++;
	vrs_report(VRS_FIND_DATA_INTEGRITY,
		   "swiotlb: after op %u [%s]: %s byte %zu (gpa 0x%llx) holds "
		   "0x%02x, the model expects 0x%02x",
		   nops ? nops - 1 : 0, cur_op(), what, i,
		   (unsigned long long)(gpa + i), real[i], exp[i]);
	memcpy(exp, real, len);
}

/* An original buffer around [off, off+len): a stray copy just outside the
 * range is a finding too. */
static void check_orig(unsigned b, size_t off, size_t len)
{
	size_t lo = off > SLOT ? off - SLOT : 0;
	size_t hi = VRS_MIN(off + len + SLOT, buf_bytes[b]);
	char what[40];
	snprintf(what, sizeof(what), "original buffer %u", b);
	check_bytes(what, buf_gpa[b] + lo, exp_buf[b] + lo, hi - lo);
}

static uint8_t *exp_at(vrs_gpa_t gpa)
{
	return exp_pool + (gpa - pool_start);
}

/* What the device sees of a live handle: the data of a mapping, every
 * slot byte of an allocation (it comes zeroed). */
static void check_slot(int h)
{
	const struct handle *hd = &hs[h];
	char what[40];
	snprintf(what, sizeof(what), "bounce slot of #%d", h);
	if (hd->alloc)
		check_bytes(what, hd->slots, exp_at(hd->slots), hd->nbytes);
	else
		check_bytes(what, hd->tlb, exp_at(hd->tlb), hd->size);
}

static void check_handle(int h)
{
	check_slot(h);
	if (!hs[h].alloc)
		check_orig(hs[h].buf, hs[h].boff, hs[h].size);
}

static void check_all(void)
{
	for (unsigned b = 0; b < NBUF; b++)
		if (buf_gpa[b])
			check_bytes("original buffer", buf_gpa[b], exp_buf[b],
				    buf_bytes[b]);
	for (unsigned h = 0; h < nh; h++)
		if (hs[h].live)
			check_slot((int)h);
}

static void check_structure(void)
{
	vrs_dm_check_result("vrs_swiotlb_check", vrs_swiotlb_check(sw), nops, cur_op(),
			    decoding);
}

static void check_backend(void)
{
	if (vrs_dm_full_check_due(nops, decoding))
		check_structure();
	size_t used = vrs_swiotlb_slots_used(sw) * SLOT;
	if (used != used_bytes)
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb: %zu slot bytes in use after op %u [%s], "
			   "the model holds %zu", used, nops - 1, cur_op(),
			   used_bytes);
}

/* The backend reports DMA_MISUSE for exactly the misuse ops. */
static void check_misuse(unsigned before, bool expected)
{
	bool got = vrs_report_count(VRS_FIND_DMA_MISUSE) != before;
	if (got != expected)
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb: op %u [%s] %s a dma-api-misuse report",
			   nops - 1, cur_op(),
			   expected ? "should have raised" : "wrongly raised");
}

/* Linux's swiotlb_max_mapping_size(), computed independently. */
static size_t model_max_mapping(void)
{
	uint64_t mask = masks[mask_idx];
	return SEG_BYTES - (mask ? VRS_ALIGN_UP((size_t)mask, SLOT) : 0);
}

/* The live handle whose slots hold gpa, or -1. */
static int holder(vrs_gpa_t gpa)
{
	for (unsigned h = 0; h < nh; h++)
		if (hs[h].live && gpa >= hs[h].slots &&
		    gpa - hs[h].slots < hs[h].nbytes)
			return (int)h;
	return -1;
}

/* Slots [slots, slots+nbytes) of a new handle: inside the pool, slot
 * aligned, in one segment, overlapping no live handle. */
static bool placement_ok(vrs_gpa_t slots, size_t nbytes, const char **why)
{
	if (slots < pool_start || slots - pool_start > POOL_BYTES - nbytes)
		return (void)(*why = "outside the pool"), false;
	uint64_t rel = slots - pool_start;
	if (rel % SLOT)
		return (void)(*why = "not slot aligned"), false;
	if (rel / SEG_BYTES != (rel + nbytes - 1) / SEG_BYTES)
		return (void)(*why = "crossing a segment"), false;
	for (unsigned h = 0; h < nh; h++)
		if (hs[h].live && slots < hs[h].slots + hs[h].nbytes &&
		    hs[h].slots < slots + nbytes)
			return (void)(*why = "overlapping a live mapping"), false;
	return true;
}

/* ---- reading operations -------------------------------------------------- */

/* Size field: bits 21..23 all set: just above the largest mapping;
 * otherwise the low 18 bits shifted right by 2 * bits 18..20, so random
 * bytes give sizes from a few bytes to a whole segment. */
static uint32_t size_of(uint32_t raw)
{
	if (((raw >> 21) & 7) == 7)
		return (uint32_t)SEG_BYTES + 1 + (raw & (OVERSIZE_SPAN - 1));
	return ((raw & 0x3ffff) >> (2 * ((raw >> 18) & 7))) + 1;
}

#define WANT_MAP 1u
#define WANT_ALLOC 2u

/* A live handle of the wanted kind, starting from raw: -1 when none. */
static int pick(unsigned raw, unsigned want)
{
	if (!nh)
		return -1;
	for (unsigned i = 0; i < nh; i++) {
		unsigned h = (raw + i) % nh;
		if (hs[h].live && (want & (hs[h].alloc ? WANT_ALLOC : WANT_MAP)))
			return (int)h;
	}
	return -1;
}

/* unmap/free size: mode mod 8 is 0..5 exact, 6 too large, 7 smaller. */
static int64_t size_adj(uint8_t mode, uint16_t delta, uint32_t size)
{
	switch (mode & 7) {
	case 6:
		return (int64_t)delta + 1;
	case 7:
		return -(int64_t)(delta % size);
	default:
		return 0;
	}
}

static void read_op(struct vrs_provider *p, struct op *o)
{
	memset(o, 0, sizeof(*o));
	o->h = o->newh = -1;
	o->kind = op_table[vrs_provider_u8(p) % 16];
	switch (o->kind) {
	case K_MAP: {
		o->buf = vrs_provider_u8(p) % NBUF;
		o->size = size_of(vrs_provider_u32(p));
		o->dir = vrs_provider_u8(p) % 3;
		uint32_t off = vrs_provider_u32(p);
		if (o->size > buf_bytes[o->buf])
			o->buf = NBUF - 1;
		o->off = off % (uint32_t)(buf_bytes[o->buf] - o->size + 1);
		break;
	}
	case K_UNMAP:
	case K_FREE: {
		uint8_t raw = vrs_provider_u8(p), mode = vrs_provider_u8(p);
		uint16_t delta = vrs_provider_u16(p);
		o->h = pick(raw, o->kind == K_FREE ? WANT_ALLOC : WANT_MAP);
		if (o->h >= 0)
			o->adj = size_adj(mode, delta, hs[o->h].size);
		break;
	}
	case K_SYNC_CPU:
	case K_SYNC_DEV: {
		uint8_t raw = vrs_provider_u8(p);
		uint32_t off = vrs_provider_u32(p), len = vrs_provider_u32(p);
		uint8_t dm = vrs_provider_u8(p);
		o->h = pick(raw, WANT_MAP);
		if (o->h < 0)
			break;
		uint32_t s = hs[o->h].size;
		if (off >> 29 == 7)
			o->off_plus = 1 + (off & 0xffff);
		o->off = o->off_plus ? s + o->off_plus
				     : (off & 0x1fffffff) % (s + 1);
		uint32_t rest = o->off <= s ? s - o->off : 0;
		if (len >> 29 == 7)
			o->len_plus = 1 + (len & 0xffff);
		if (o->len_plus)
			o->len = rest + o->len_plus;
		else if (o->off <= s)
			o->len = (len & 0x1fffffff) % (rest + 1);
		else
			o->len = len & 0xffff;
		o->dir_given = (dm & 7) >= 6;
		o->dir = o->dir_given ? (uint8_t)((dm >> 3) % 3) : hs[o->h].dir;
		break;
	}
	case K_DEV_WRITE: {
		uint8_t raw = vrs_provider_u8(p);
		uint32_t off = vrs_provider_u32(p);
		uint16_t len = vrs_provider_u16(p);
		o->val = vrs_provider_u8(p);
		o->h = pick(raw, WANT_MAP | WANT_ALLOC);
		if (o->h < 0)
			break;
		uint32_t s = hs[o->h].size;
		o->off = off % s;
		o->len = 1 + len % VRS_MIN(s - o->off, 65536u);
		break;
	}
	case K_CPU_WRITE: {
		o->buf = vrs_provider_u8(p) % NBUF;
		uint32_t off = vrs_provider_u32(p);
		uint16_t len = vrs_provider_u16(p);
		o->val = vrs_provider_u8(p);
		uint32_t bytes = (uint32_t)buf_bytes[o->buf];
		o->off = off % bytes;
		o->len = 1 + len % VRS_MIN(bytes - o->off, 65536u);
		break;
	}
	case K_ALLOC:
		o->size = size_of(vrs_provider_u32(p));
		break;
	}
}

/* ---- executing operations ------------------------------------------------ */

/* A buffer is allocated and filled on first use, so an input pays only for
 * the buffers it touches. */
static bool ensure_buf(unsigned b)
{
	if (buf_gpa[b])
		return true;
	vrs_gpa_t gpa;
	if (vrs_gmem_alloc(gm, buf_bytes[b], VRS_OWNER_BUFFER, &gpa) < 0) {
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb model: cannot allocate buffer %u", b);
		return false;
	}
	memcpy(vrs_gmem_hva(gm, gpa, buf_bytes[b]), pattern[b], buf_bytes[b]);
	memcpy(exp_buf[b], pattern[b], buf_bytes[b]);
	buf_gpa[b] = gpa;
	return true;
}

/* Bytes a writer stores: a window of a random table, so a misplaced copy
 * shows and the fuzzer's instrumentation sees no per-byte loop. */
static void fill(uint8_t *dst, size_t len, uint8_t val)
{
	memcpy(dst, noise + val, len);
}

static int new_handle(vrs_gpa_t tlb, vrs_gpa_t slots, size_t nbytes,
		      const struct op *o, bool alloc)
{
	hs[nh] = (struct handle){
		.tlb = tlb,
		.slots = slots,
		.size = o->size,
		.nbytes = (uint32_t)nbytes,
		.boff = o->off,
		.buf = o->buf,
		.dir = o->dir,
		.alloc = alloc,
		.live = true,
	};
	used_bytes += nbytes;
	return (int)nh++;
}

static void do_map(struct op *o)
{
	if (!ensure_buf(o->buf))
		return;
	uint64_t mask = masks[mask_idx];
	vrs_gpa_t orig = buf_gpa[o->buf] + o->off, tlb;
	o->rc = vrs_swiotlb_map(sw, orig, o->size, o->dir, &tlb);
	bool too_big = o->size > model_max_mapping();
	if (o->rc == -ENOMEM && !too_big && used_bytes == 0)
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb: [%s] failed with the pool empty", cur_op());
	else if (too_big && o->rc != -EINVAL)
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb: [%s] above the %zu byte maximum gave %s, "
			   "not -EINVAL", cur_op(), model_max_mapping(),
			   rc_name(o->rc));
	else if (o->rc < 0 && o->rc != -ENOMEM && !too_big)
		vrs_report(VRS_FIND_PROTOCOL, "swiotlb: [%s] failed: %d",
			   cur_op(), o->rc);
	if (o->rc < 0)
		return;
	size_t lead = orig & mask & (SLOT - 1);
	vrs_gpa_t slots = tlb - lead;
	size_t nbytes = VRS_ALIGN_UP(lead + o->size, SLOT);
	const char *why = NULL;
	if ((tlb & mask) != (orig & mask))
		why = "breaking min_align_mask";
	if (!placement_ok(slots, nbytes, &why) || why) {
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb: [%s] placed at 0x%llx, %s", cur_op(),
			   (unsigned long long)tlb, why);
		return;
	}
	o->addr = tlb;
	o->newh = new_handle(tlb, slots, nbytes, o, false);
	/* Whatever the direction, the slot starts as the original. */
	memcpy(exp_at(tlb), exp_buf[o->buf] + o->off, o->size);
	check_handle(o->newh);
}

static void do_unmap(struct op *o)
{
	struct handle *hd = &hs[o->h];
	size_t size = (size_t)((int64_t)hd->size + o->adj);
	unsigned before = vrs_report_count(VRS_FIND_DMA_MISUSE);
	o->rc = vrs_swiotlb_unmap(sw, hd->tlb, size, hd->dir);
	check_misuse(before, size > hd->size);
	if (o->rc < 0) {
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb: [%s] of a live mapping failed: %d",
			   cur_op(), o->rc);
		return;
	}
	if (vrs_dma_dir_from_device(hd->dir))
		memcpy(exp_buf[hd->buf] + hd->boff, exp_at(hd->tlb),
		       VRS_MIN(size, (size_t)hd->size));
	hd->live = false;
	used_bytes -= hd->nbytes;
	check_orig(hd->buf, hd->boff, hd->size);
}

static void do_sync(struct op *o)
{
	bool cpu = o->kind == K_SYNC_CPU;
	vrs_gpa_t addr = hs[o->h].tlb + o->off;
	/* The mapping the backend must find at addr: the one whose slots
	 * hold it, if addr lies in its data or just at its end. */
	int t = holder(addr);
	const struct handle *hd = t >= 0 ? &hs[t] : NULL;
	bool ok = hd && !hd->alloc && addr >= hd->tlb &&
		  addr - hd->tlb <= hd->size;
	size_t pos = ok ? (size_t)(addr - hd->tlb) : 0;
	size_t n = ok ? VRS_MIN((size_t)o->len, hd->size - pos) : 0;
	unsigned before = vrs_report_count(VRS_FIND_DMA_MISUSE);
	o->rc = cpu ? vrs_swiotlb_sync_for_cpu(sw, addr, o->len, o->dir)
		    : vrs_swiotlb_sync_for_device(sw, addr, o->len, o->dir);
	check_misuse(before, !ok || n < o->len);
	if ((o->rc == 0) != ok) {
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb: [%s] at 0x%llx gave %s, the model expects "
			   "%s", cur_op(), (unsigned long long)addr,
			   rc_name(o->rc), ok ? "ok" : "-EINVAL");
		return;
	}
	if (!ok)
		return;
	if (cpu && vrs_dma_dir_from_device(o->dir))
		memcpy(exp_buf[hd->buf] + hd->boff + pos, exp_at(addr), n);
	else if (!cpu && vrs_dma_dir_to_device(o->dir))
		memcpy(exp_at(addr), exp_buf[hd->buf] + hd->boff + pos, n);
	check_handle(t);
}

static void do_dev_write(struct op *o)
{
	vrs_gpa_t gpa = hs[o->h].tlb + o->off;
	uint8_t *real = vrs_gmem_hva(gm, gpa, o->len);
	if (!real)
		return;
	/* As a device would: through the bus, which marks it written. */
	fill(real, o->len, o->val);
	vrs_gmem_note_write(gm, gpa, o->len);
	fill(exp_at(gpa), o->len, o->val);
	check_slot(o->h);
}

static void do_cpu_write(struct op *o)
{
	if (!ensure_buf(o->buf))
		return;
	fill(vrs_gmem_hva(gm, buf_gpa[o->buf] + o->off, o->len), o->len,
	     o->val);
	fill(exp_buf[o->buf] + o->off, o->len, o->val);
}

static void do_alloc(struct op *o)
{
	vrs_gpa_t gpa;
	o->rc = vrs_swiotlb_alloc(sw, o->size, &gpa);
	bool too_big = o->size > SEG_BYTES;
	if ((too_big && o->rc != -ENOMEM) ||
	    (!too_big && o->rc == -ENOMEM && used_bytes == 0) ||
	    (o->rc < 0 && o->rc != -ENOMEM))
		vrs_report(VRS_FIND_PROTOCOL, "swiotlb: [%s] gave %s", cur_op(),
			   rc_name(o->rc));
	if (o->rc < 0)
		return;
	size_t nbytes = VRS_ALIGN_UP((size_t)o->size, SLOT);
	const char *why = NULL;
	if (!placement_ok(gpa, nbytes, &why)) {
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb: [%s] placed at 0x%llx, %s", cur_op(),
			   (unsigned long long)gpa, why);
		return;
	}
	o->addr = gpa;
	o->newh = new_handle(gpa, gpa, nbytes, o, true);
	memset(exp_at(gpa), 0, nbytes);
	check_slot(o->newh);
}

static void do_free(struct op *o)
{
	struct handle *hd = &hs[o->h];
	size_t size = (size_t)((int64_t)hd->size + o->adj);
	unsigned before = vrs_report_count(VRS_FIND_DMA_MISUSE);
	o->rc = vrs_swiotlb_free(sw, hd->tlb, size);
	check_misuse(before, o->adj != 0);
	if (o->rc < 0) {
		vrs_report(VRS_FIND_PROTOCOL, "swiotlb: [%s] failed: %d",
			   cur_op(), o->rc);
		return;
	}
	hd->live = false;
	used_bytes -= hd->nbytes;
}

static void exec_op(struct op *o)
{
	bool needs_target = o->kind != K_MAP && o->kind != K_CPU_WRITE &&
			    o->kind != K_ALLOC;
	if (!(needs_target && o->h < 0)) {
		switch (o->kind) {
		case K_MAP:
			do_map(o);
			break;
		case K_UNMAP:
			do_unmap(o);
			break;
		case K_SYNC_CPU:
		case K_SYNC_DEV:
			do_sync(o);
			break;
		case K_DEV_WRITE:
			do_dev_write(o);
			break;
		case K_CPU_WRITE:
			do_cpu_write(o);
			break;
		case K_ALLOC:
			do_alloc(o);
			break;
		case K_FREE:
			do_free(o);
			break;
		}
	}
	o->done = true;
	check_backend();
}

/* ---- the target ------------------------------------------------------------ */

static void run_input(const uint8_t *data, size_t len, FILE *out)
{
	decoding = out != NULL;
	/* The backend is clean: init left it so and every input cleans up
	 * after itself (below). */
	vrs_report_clear();
	memset(buf_gpa, 0, sizeof(buf_gpa));
	nh = nops = 0;
	used_bytes = 0;

	struct vrs_provider p;
	vrs_provider_bytes(&p, data, len);
	mask_idx = vrs_provider_u8(&p) % 4;
	vrs_swiotlb_set_min_align_mask(sw, masks[mask_idx]);
	if (out)
		fprintf(out, "mask=0x%llx\n",
			(unsigned long long)masks[mask_idx]);
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
	struct vrs_dm_counts before;
	vrs_dm_snapshot(&before);
	check_all();
	if (out)
		vrs_dm_print_new(&before, out);
	/* Clean up now rather than at the next input's start, so that input's
	 * path does not depend on this one (AFL++ stability). */
	vrs_gmem_reset(gm);
	vrs_swiotlb_reset(sw);
}

static void cleanup(void)
{
	vrs_swiotlb_destroy(sw);
	vrs_gmem_destroy(gm);
	sw = NULL;
	gm = NULL;
	for (unsigned b = 0; b < NBUF; b++) {
		free(pattern[b]);
		free(exp_buf[b]);
		pattern[b] = exp_buf[b] = NULL;
	}
	free(exp_pool);
	exp_pool = NULL;
}

static int init(void)
{
	int rc = vrs_gmem_create(GMEM_BYTES, &gm);
	if (rc == 0)
		rc = vrs_swiotlb_create(gm, POOL_BYTES, &sw);
	exp_pool = calloc(1, POOL_BYTES);
	for (unsigned b = 0; b < NBUF; b++) {
		pattern[b] = malloc(buf_bytes[b]);
		exp_buf[b] = malloc(buf_bytes[b]);
		if (!pattern[b] || !exp_buf[b])
			rc = rc ? rc : -ENOMEM;
		uint64_t seed = 0x5157 + b;
		for (size_t i = 0; pattern[b] && i < buf_bytes[b]; i++)
			pattern[b][i] = (uint8_t)vrs_splitmix64(&seed);
	}
	uint64_t seed = 0x9015e;
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)vrs_splitmix64(&seed);
	if (rc == 0 && !exp_pool)
		rc = -ENOMEM;
	if (rc < 0) {
		cleanup();
		return rc;
	}
	pool_start = vrs_swiotlb_pool_start(sw);
	vrs_report_set_mode(VRS_REPORT_ABORT);
	vrs_report_set_armed(VRS_FIND_BIT(VRS_FIND_DATA_INTEGRITY) |
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

static bool parse_dir(const char *w, uint8_t *dir)
{
	for (uint8_t d = 0; d < 3; d++)
		if (strcmp(w, dir_names[d]) == 0)
			return (void)(*dir = d), true;
	return false;
}

static bool parse_mask(const char *w, uint8_t *idx, bool *bad)
{
	uint64_t v;
	if (!vrs_dm_key(w, "mask", &v, bad))
		return false;
	for (uint8_t i = 0; i < 4; i++)
		if (masks[i] == v)
			return (void)(*idx = i), true;
	*bad = true;
	return true;
}

/* The raw size field for a size (the inverse of size_of). */
static bool size_raw(uint64_t size, uint32_t *raw)
{
	if (size >= 1 && size <= SEG_BYTES)
		return (void)(*raw = (uint32_t)(size - 1)), true;
	if (size > SEG_BYTES && size <= SEG_BYTES + OVERSIZE_SPAN)
		return (void)(*raw = (7u << 21) |
				     (uint32_t)(size - SEG_BYTES - 1)),
		       true;
	return false;
}

/* unmap/free: "H", "H +D" or "H -D". */
static bool put_adjusted(struct vrs_dm_enc *e, const struct vrs_dm_words *w)
{
	uint64_t h, d;
	if (w->n < 2 || w->n > 3 || !vrs_dm_num(w->w[1], &h) || h > 255)
		return false;
	vrs_dm_put8(e, (uint8_t)h);
	if (w->n == 2) {
		vrs_dm_put8(e, 0);
		vrs_dm_put16(e, 0);
	} else if (vrs_dm_plus(w->w[2], "", &d) && d <= 65536) {
		vrs_dm_put8(e, 6);
		vrs_dm_put16(e, (uint16_t)(d - 1));
	} else if (w->w[2][0] == '-' && vrs_dm_num(w->w[2] + 1, &d) &&
		   d <= 65535) {
		vrs_dm_put8(e, 7);
		vrs_dm_put16(e, (uint16_t)d);
	} else {
		return false;
	}
	return true;
}

static bool put_sync(struct vrs_dm_enc *e, const struct vrs_dm_words *w)
{
	uint64_t h, v;
	uint8_t dir;
	if (w->n < 4 || w->n > 5 || !vrs_dm_num(w->w[1], &h) || h > 255)
		return false;
	vrs_dm_put8(e, (uint8_t)h);
	for (unsigned i = 2; i <= 3; i++) {
		const char *prefix = i == 2 ? "end" : "rest";
		if (vrs_dm_plus(w->w[i], prefix, &v) && v <= 0x10000)
			vrs_dm_put32(e, (7u << 29) | (uint32_t)(v - 1));
		else if (vrs_dm_num(w->w[i], &v) && v < (1u << 29))
			vrs_dm_put32(e, (uint32_t)v);
		else
			return false;
	}
	if (w->n == 5 && !parse_dir(w->w[4], &dir))
		return false;
	vrs_dm_put8(e, w->n == 5 ? (uint8_t)(6 | dir << 3) : 0);
	return true;
}

/* device-write H OFF LEN [VAL] and cpu-write BUF OFF LEN [VAL]. */
static bool put_write(struct vrs_dm_enc *e, const struct vrs_dm_words *w)
{
	uint64_t who, off, len, val = 0;
	if (w->n < 4 || w->n > 5 || !vrs_dm_num(w->w[1], &who) || who > 255 ||
	    !vrs_dm_num(w->w[2], &off) || off > UINT32_MAX ||
	    !vrs_dm_num(w->w[3], &len) || len < 1 || len > 65536 ||
	    (w->n == 5 && (!vrs_dm_num(w->w[4], &val) || val > 255)))
		return false;
	vrs_dm_put8(e, (uint8_t)who);
	vrs_dm_put32(e, (uint32_t)off);
	vrs_dm_put16(e, (uint16_t)(len - 1));
	vrs_dm_put8(e, (uint8_t)val);
	return true;
}

static bool put_op(struct vrs_dm_enc *e, const struct vrs_dm_words *w)
{
	unsigned k = 0;
	while (k < K_COUNT && strcmp(w->w[0], kind_names[k]) != 0)
		k++;
	if (k == K_COUNT)
		return false;
	vrs_dm_put8(e, (uint8_t)k);
	uint64_t v, buf = 0, off = 0;
	uint32_t raw;
	uint8_t dir;
	switch (k) {
	case K_MAP:
		if (w->n < 3 || w->n > 5 || !vrs_dm_num(w->w[1], &v) ||
		    !size_raw(v, &raw) || !parse_dir(w->w[2], &dir) ||
		    (w->n > 3 && (!vrs_dm_num(w->w[3], &buf) || buf >= NBUF)) ||
		    (w->n > 4 && (!vrs_dm_num(w->w[4], &off) || off > UINT32_MAX)))
			return false;
		vrs_dm_put8(e, (uint8_t)buf);
		vrs_dm_put32(e, raw);
		vrs_dm_put8(e, dir);
		vrs_dm_put32(e, (uint32_t)off);
		return true;
	case K_UNMAP:
	case K_FREE:
		return put_adjusted(e, w);
	case K_SYNC_CPU:
	case K_SYNC_DEV:
		return put_sync(e, w);
	case K_DEV_WRITE:
	case K_CPU_WRITE:
		return put_write(e, w);
	case K_ALLOC:
		if (w->n != 2 || !vrs_dm_num(w->w[1], &v) || !size_raw(v, &raw))
			return false;
		vrs_dm_put32(e, raw);
		return true;
	}
	return false;
}

static long encode(const char *description, uint8_t *out, size_t cap)
{
	struct vrs_dm_enc e = {.out = out, .cap = cap};
	struct vrs_dm_words w;
	bool bad = false;
	const char *s = description;
	uint8_t idx = 0;
	vrs_dm_put8(&e, 0); /* the mask byte, set below */
	if (strstr(description, "ops=")) {
		uint64_t n = 0, seed = 1;
		if (!vrs_dm_next_op(&s, &w, &bad) || *s)
			bad = true;
		for (unsigned i = 0; !bad && i < w.n; i++)
			if (!parse_mask(w.w[i], &idx, &bad) &&
			    !vrs_dm_key(w.w[i], "ops", &n, &bad) &&
			    !vrs_dm_key(w.w[i], "opseed", &seed, &bad))
				bad = true;
		if (!bad)
			vrs_dm_put_seeded(&e, n, seed);
	} else {
		for (unsigned i = 0; !bad && vrs_dm_next_op(&s, &w, &bad); i++) {
			if (bad || w.n == 0)
				continue;
			if (i == 0 && w.n == 1 && parse_mask(w.w[0], &idx, &bad))
				continue;
			if (!put_op(&e, &w)) {
				fprintf(stderr, "fuzz_swiotlb: cannot encode "
					"'%s ...'\n", w.w[0]);
				bad = true;
			}
		}
	}
	if (bad || e.full || !cap) {
		fprintf(stderr, "fuzz_swiotlb: bad description (see the "
			"syntax at the top of fuzz/fuzz_swiotlb.c)\n");
		return -EINVAL;
	}
	out[0] = idx;
	return (long)e.len;
}

VRS_FUZZ_TARGET(.name = "fuzz_swiotlb", .init = init, .run = run,
		.cleanup = cleanup, .decode = decode, .encode = encode);
