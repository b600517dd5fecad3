/* fuzz_swiotlb's reference model: the SWIOTLB backend (dma/swiotlb.c)
 * against every byte the device and the CPU must see, the slots it must
 * hold and where, and the misuse reports it must make. What each kind of
 * op does is here; how ops are read, printed and encoded is swiotlbops.c,
 * and fuzz/fuzz_swiotlb.c documents both. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "swiotlbmodel.h"
#include "vrsim/guard.h"
#include "vrsim/report.h"

#define GMEM_BYTES ((size_t)16 << 20)
#define POOL_BYTES ((size_t)1 << 20)
#define MAX_OPS 256
#define SLOT ((size_t)VRS_SWIOTLB_SLOT_SIZE)

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
static size_t used_bytes; /* model: slot bytes held by live handles */

static const char *cur_op(void)
{
	return vrs_dmaops_cur_op();
}

int vrs_fuzz_swiotlb_pick(unsigned raw, unsigned want,
			  const struct handle **hd)
{
	for (unsigned i = 0; i < nh; i++) {
		unsigned h = (raw + i) % nh;
		unsigned kind = hs[h].alloc ? WANT_ALLOC : WANT_MAP;
		if (hs[h].live && (want & kind)) {
			*hd = &hs[h];
			return (int)h;
		}
	}
	return -1;
}

/* ---- the model's checks ------------------------------------------------- */

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
		   vrs_dmaops_cur_index(), cur_op(), what, i,
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

/* The end of an input: every buffer and every live slot. */
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

static int check_structure(void)
{
	return vrs_swiotlb_check(sw);
}

/* After every op: the backend holds the slots the model does. */
static void check_accounting(void)
{
	size_t used = vrs_swiotlb_slots_used(sw) * SLOT;
	if (used != used_bytes)
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb: %zu slot bytes in use after op %u [%s], "
			   "the model holds %zu", used, vrs_dmaops_cur_index(),
			   cur_op(), used_bytes);
}

/* The backend reports DMA_MISUSE for exactly the misuse ops. */
static void check_misuse(unsigned before, bool expected)
{
	bool got = vrs_report_count(VRS_FIND_DMA_MISUSE) != before;
	if (got != expected)
		vrs_report(VRS_FIND_PROTOCOL,
			   "swiotlb: op %u [%s] %s a dma-api-misuse report",
			   vrs_dmaops_cur_index(), cur_op(),
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

/* ---- executing operations ----------------------------------------------- */

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

static void do_map(void *op)
{
	struct op *o = op;
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
			   vrs_dmaops_rc_name(o->rc));
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

static void do_unmap(void *op)
{
	struct op *o = op;
	if (o->h < 0)
		return;
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

/* sync-cpu and sync-device */
static void do_sync(void *op)
{
	struct op *o = op;
	if (o->h < 0)
		return;
	bool cpu = o->op.kind == K_SYNC_CPU;
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
			   vrs_dmaops_rc_name(o->rc), ok ? "ok" : "-EINVAL");
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

static void do_dev_write(void *op)
{
	struct op *o = op;
	if (o->h < 0)
		return;
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

static void do_cpu_write(void *op)
{
	struct op *o = op;
	if (!ensure_buf(o->buf))
		return;
	fill(vrs_gmem_hva(gm, buf_gpa[o->buf] + o->off, o->len), o->len,
	     o->val);
	fill(exp_buf[o->buf] + o->off, o->len, o->val);
}

static void do_alloc(void *op)
{
	struct op *o = op;
	vrs_gpa_t gpa;
	o->rc = vrs_swiotlb_alloc(sw, o->size, &gpa);
	bool too_big = o->size > SEG_BYTES;
	if ((too_big && o->rc != -ENOMEM) ||
	    (!too_big && o->rc == -ENOMEM && used_bytes == 0) ||
	    (o->rc < 0 && o->rc != -ENOMEM))
		vrs_report(VRS_FIND_PROTOCOL, "swiotlb: [%s] gave %s", cur_op(),
			   vrs_dmaops_rc_name(o->rc));
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

static void do_free(void *op)
{
	struct op *o = op;
	if (o->h < 0)
		return;
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

static void (*const exec[K_COUNT])(void *op) = {
	[K_MAP] = do_map,
	[K_UNMAP] = do_unmap,
	[K_SYNC_CPU] = do_sync,
	[K_SYNC_DEV] = do_sync,
	[K_DEV_WRITE] = do_dev_write,
	[K_CPU_WRITE] = do_cpu_write,
	[K_ALLOC] = do_alloc,
	[K_FREE] = do_free,
};

/* ---- the model ---------------------------------------------------------- */

static void destroy(void)
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

static int create(void)
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
		destroy();
		return rc;
	}
	pool_start = vrs_swiotlb_pool_start(sw);
	return 0;
}

static void start(uint8_t header)
{
	memset(buf_gpa, 0, sizeof(buf_gpa));
	nh = 0;
	used_bytes = 0;
	mask_idx = header % 4;
	vrs_swiotlb_set_min_align_mask(sw, masks[mask_idx]);
}

static void reset(void)
{
	vrs_gmem_reset(gm);
	vrs_swiotlb_reset(sw);
}

static const struct vrs_dmaops_model model = {
	.target = "fuzz_swiotlb",
	.format = &vrs_fuzz_swiotlb_format,
	.exec = exec,
	.ops = ops,
	.op_size = sizeof(ops[0]),
	.max_ops = MAX_OPS,
	.armed = VRS_FIND_BIT(VRS_FIND_DATA_INTEGRITY) |
		 VRS_FIND_BIT(VRS_FIND_PROTOCOL) |
		 VRS_FIND_BIT(VRS_FIND_INTERNAL),
	.create = create,
	.destroy = destroy,
	.start = start,
	.check_name = "vrs_swiotlb_check",
	.check = check_structure,
	.after_op = check_accounting,
	.finish = check_all,
	.reset = reset,
};

VRS_DMAOPS_TARGET(vrs_fuzz_swiotlb_target, "fuzz_swiotlb", model);
