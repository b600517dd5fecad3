/* fuzz_iommu's ops as bytes and as text: reading each from the input
 * (its arguments reduced into range against the model's handles),
 * printing it for decode, and encoding it from a description. The syntax
 * is documented at the top of fuzz/fuzz_iommu.c. */
#include <errno.h>
#include <string.h>

#include "iommumodel.h"

/* Opcode byte mod 16 -> kind, weighted towards maps and translations;
 * the first K_COUNT entries are the identity, which is what encode
 * writes. */
static const uint8_t opcodes[16] = {
	K_MAP,	 K_UNMAP, K_FLUSH, K_INVAL, K_SETMODE, K_XLATE, K_MAP,	 K_MAP,
	K_MAP,	 K_UNMAP, K_UNMAP, K_XLATE, K_XLATE,   K_XLATE, K_XLATE, K_XLATE};

/* ---- reading operations ------------------------------------------------- */

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

/* An op as read starts with no target and no new handle. */
static struct op *fresh(void *op)
{
	struct op *o = op;
	o->h = o->newh = -1;
	return o;
}

static void read_map(struct vrs_provider *p, void *op)
{
	struct op *o = fresh(op);
	uint32_t gpa = vrs_provider_u32(p);
	o->size = size_of(vrs_provider_u32(p));
	o->prot = (uint8_t)(1 + vrs_provider_u8(p) % 3);
	o->gpa = 1 + gpa % (uint32_t)(GMEM_BYTES - o->size);
}

static void read_unmap(struct vrs_provider *p, void *op)
{
	const struct handle *hd;
	fresh(op)->h = vrs_fuzz_iommu_pick(vrs_provider_u8(p), PICK_LIVE, &hd);
}

/* flush, invalidate-all: no arguments */
static void read_none(struct vrs_provider *p, void *op)
{
	fresh(op);
}

static void read_setmode(struct vrs_provider *p, void *op)
{
	fresh(op)->lazy = vrs_provider_u8(p) & 1;
}

static void read_xlate(struct vrs_provider *p, void *op)
{
	struct op *o = fresh(op);
	o->tmode = vrs_provider_u8(p) % T_COUNT;
	uint8_t raw = vrs_provider_u8(p);
	uint32_t off = vrs_provider_u32(p);
	o->write = vrs_provider_u8(p) & 1;
	if (o->tmode == T_ADDR) {
		o->addr = IOVA_BASE - PAGE + off % (APERTURE + 2 * PAGE);
		return;
	}
	/* the page after any mapping; else a live or an unmapped one */
	enum pick want = o->tmode == T_NEXT   ? PICK_ANY
			 : o->tmode == T_LIVE ? PICK_LIVE
					      : PICK_UNMAPPED;
	const struct handle *hd;
	o->h = vrs_fuzz_iommu_pick(raw, want, &hd);
	if (o->h < 0)
		return;
	if (o->tmode == T_NEXT)
		o->off = hd->npages * (uint32_t)PAGE + off % (uint32_t)PAGE;
	else
		o->off = off % (hd->npages * (uint32_t)PAGE);
	o->addr = first_page(hd) + o->off;
}

/* ---- printing operations ------------------------------------------------ */

static bool fmt_map(const void *op, const char *const *names,
		    struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	vrs_dmaops_printf(l, "map 0x%llx %u %s", (unsigned long long)o->gpa,
			  o->size, prot_names[o->prot]);
	return true;
}

static void result_map(const void *op, struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	if (o->newh >= 0)
		vrs_dmaops_printf(l, "  # -> #%d iova 0x%llx", o->newh,
				  (unsigned long long)o->addr);
	else
		vrs_dmaops_printf(l, "  # -> %s", vrs_dmaops_rc_name(o->rc));
}

static bool fmt_unmap(const void *op, const char *const *names,
		      struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	if (o->h < 0)
		vrs_dmaops_printf(l, "# unmap: no live mapping");
	else
		vrs_dmaops_printf(l, "unmap %d", o->h);
	return true;
}

static void result_unmap(const void *op, struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	if (o->h >= 0)
		vrs_dmaops_printf(l, "  # -> %s", vrs_dmaops_rc_name(o->rc));
}

/* flush, invalidate-all */
static bool fmt_name(const void *op, const char *const *names,
		     struct vrs_dmaops_line *l)
{
	vrs_dmaops_printf(l, "%s", names[0]);
	return true;
}

static bool fmt_setmode(const void *op, const char *const *names,
			struct vrs_dmaops_line *l)
{
	vrs_dmaops_printf(l, "%s", names[((const struct op *)op)->lazy]);
	return true;
}

static bool fmt_xlate(const void *op, const char *const *names,
		      struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	const char *rw = o->write ? "write" : "read";
	if (o->tmode == T_ADDR)
		vrs_dmaops_printf(l, "%s 0x%llx %s", names[T_ADDR],
				  (unsigned long long)o->addr, rw);
	else if (o->h < 0)
		vrs_dmaops_printf(l, "# %s: no such mapping", names[o->tmode]);
	else
		vrs_dmaops_printf(l, "%s %d 0x%x %s", names[o->tmode], o->h,
				  o->off, rw);
	return true;
}

static void result_xlate(const void *op, struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	if (o->h < 0 && o->tmode != T_ADDR)
		return;
	if (o->fault == VRS_XLATE_OK)
		vrs_dmaops_printf(l, "  # 0x%llx -> gpa 0x%llx%s",
				  (unsigned long long)o->addr,
				  (unsigned long long)o->res_gpa,
				  o->stale ? " (stale)" : "");
	else
		vrs_dmaops_printf(l, "  # 0x%llx -> %s",
				  (unsigned long long)o->addr,
				  fault_name(o->fault));
}

/* ---- encoding operations ------------------------------------------------ */

/* map GPA SIZE PROT */
static int put_map(struct vrs_encoder *e, const struct vrs_encode_words *w,
		   unsigned spelling)
{
	uint64_t gpa, size;
	unsigned prot = 0;
	for (unsigned i = 1; i < 4; i++)
		if (w->n == 4 && strcmp(w->w[3], prot_names[i]) == 0)
			prot = i;
	if (w->n != 4 || !vrs_encode_num(w->w[1], &gpa) ||
	    !vrs_encode_num(w->w[2], &size) || !prot || size < 1 ||
	    size >= GMEM_BYTES || gpa < 1 || gpa > GMEM_BYTES - size)
		return -EINVAL;
	vrs_encode_put32(e, (uint32_t)(gpa - 1));
	vrs_encode_put32(e, (uint32_t)(size - 1));
	vrs_encode_put8(e, (uint8_t)(prot - 1));
	return 0;
}

/* unmap H */
static int put_unmap(struct vrs_encoder *e, const struct vrs_encode_words *w,
		     unsigned spelling)
{
	uint64_t h;
	if (w->n != 2 || !vrs_encode_num(w->w[1], &h) || h > 255)
		return -EINVAL;
	vrs_encode_put8(e, (uint8_t)h);
	return 0;
}

/* flush, invalidate-all */
static int put_none(struct vrs_encoder *e, const struct vrs_encode_words *w,
		    unsigned spelling)
{
	return w->n == 1 ? 0 : -EINVAL;
}

/* set-strict, set-lazy: the spelling is the mode */
static int put_setmode(struct vrs_encoder *e, const struct vrs_encode_words *w,
		       unsigned spelling)
{
	if (w->n != 1)
		return -EINVAL;
	vrs_encode_put8(e, (uint8_t)spelling);
	return 0;
}

/* translate*: the spelling is the mode, then [H] [OFF] [read|write]. */
static int put_xlate(struct vrs_encoder *e, const struct vrs_encode_words *w,
		     unsigned t)
{
	uint64_t nums[2] = {0, 0};
	unsigned nn = 0, write = 0;
	for (unsigned i = 1; i < w->n; i++) {
		if (i == w->n - 1 && (strcmp(w->w[i], "read") == 0 ||
				      strcmp(w->w[i], "write") == 0))
			write = w->w[i][0] == 'w';
		else if (nn < 2 && vrs_encode_num(w->w[i], &nums[nn]))
			nn++;
		else
			return -EINVAL;
	}
	vrs_encode_put8(e, (uint8_t)t);
	if (t == T_ADDR) {
		uint64_t a = nums[0];
		if (nn != 1 || a < IOVA_BASE - PAGE ||
		    a - (IOVA_BASE - PAGE) >= APERTURE + 2 * PAGE)
			return -EINVAL;
		vrs_encode_put8(e, 0);
		vrs_encode_put32(e, (uint32_t)(a - (IOVA_BASE - PAGE)));
	} else {
		if (nn < 1 || nums[0] > 255 || nums[1] > UINT32_MAX)
			return -EINVAL;
		vrs_encode_put8(e, (uint8_t)nums[0]);
		vrs_encode_put32(e, (uint32_t)nums[1]);
	}
	vrs_encode_put8(e, (uint8_t)write);
	return 0;
}

/* ---- the format --------------------------------------------------------- */

static const struct vrs_dmaops_op_format op_formats[K_COUNT] = {
	[K_MAP] = {{"map"}, read_map, fmt_map, result_map, put_map},
	[K_UNMAP] = {{"unmap"}, read_unmap, fmt_unmap, result_unmap, put_unmap},
	[K_FLUSH] = {{"flush"}, read_none, fmt_name, NULL, put_none},
	[K_INVAL] = {{"invalidate-all"}, read_none, fmt_name, NULL, put_none},
	[K_SETMODE] = {{"set-strict", "set-lazy"}, read_setmode, fmt_setmode,
		       NULL, put_setmode},
	/* by enum tmode */
	[K_XLATE] = {{"translate", "translate-stale", "translate-next",
		      "translate-addr"},
		     read_xlate, fmt_xlate, result_xlate, put_xlate},
};

/* Header byte bit 0: lazy (1) or strict (0) invalidation. */
static void print_header(uint8_t header, FILE *f)
{
	fprintf(f, "mode=%s\n", header & 1 ? "lazy" : "strict");
}

static bool parse_mode(const char *w, uint8_t *mode, bool *bad)
{
	if (strcmp(w, "mode=lazy") == 0)
		return (void)(*mode = 1), true;
	if (strcmp(w, "mode=strict") == 0)
		return (void)(*mode = 0), true;
	return false;
}

const struct vrs_dmaops_format vrs_fuzz_iommu_format = {
	.ops = op_formats,
	.nkinds = K_COUNT,
	.opcodes = opcodes,
	.print_header = print_header,
	.parse_header = parse_mode,
};
