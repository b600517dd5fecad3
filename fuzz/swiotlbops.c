/* fuzz_swiotlb's ops as bytes and as text: reading each from the input
 * (its arguments reduced into range against the model's handles),
 * printing it for decode, and encoding it from a description. The syntax
 * is documented at the top of fuzz/fuzz_swiotlb.c. */
#include <errno.h>
#include <string.h>

#include "swiotlbmodel.h"
#include "vrsim/guard.h"

/* Opcode byte mod 16 -> kind, weighted towards maps and writes; the
 * first K_COUNT entries are the identity, which is what encode writes. */
static const uint8_t opcodes[16] = {
	K_MAP,	    K_UNMAP,	K_SYNC_CPU, K_SYNC_DEV, K_DEV_WRITE, K_CPU_WRITE,
	K_ALLOC,    K_FREE,	K_MAP,	    K_MAP,	K_UNMAP,     K_SYNC_CPU,
	K_SYNC_DEV, K_DEV_WRITE, K_MAP,	    K_DEV_WRITE};
/* By enum vrs_dma_dir value. */
static const char *const dir_names[3] = {"bidirectional", "to-device",
					 "from-device"};

/* ---- reading operations ------------------------------------------------- */

/* Size field: bits 21..23 all set: just above the largest mapping;
 * otherwise the low 18 bits shifted right by 2 * bits 18..20, so random
 * bytes give sizes from a few bytes to a whole segment. */
static uint32_t size_of(uint32_t raw)
{
	if (((raw >> 21) & 7) == 7)
		return (uint32_t)SEG_BYTES + 1 + (raw & (OVERSIZE_SPAN - 1));
	return ((raw & 0x3ffff) >> (2 * ((raw >> 18) & 7))) + 1;
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
	o->buf = vrs_provider_u8(p) % NBUF;
	o->size = size_of(vrs_provider_u32(p));
	o->dir = vrs_provider_u8(p) % 3;
	uint32_t off = vrs_provider_u32(p);
	if (o->size > buf_bytes[o->buf])
		o->buf = NBUF - 1;
	o->off = off % (uint32_t)(buf_bytes[o->buf] - o->size + 1);
}

/* unmap and free */
static void read_adjusted(struct vrs_provider *p, void *op)
{
	struct op *o = fresh(op);
	uint8_t raw = vrs_provider_u8(p), mode = vrs_provider_u8(p);
	uint16_t delta = vrs_provider_u16(p);
	const struct handle *hd;
	unsigned want = o->op.kind == K_FREE ? WANT_ALLOC : WANT_MAP;
	o->h = vrs_fuzz_swiotlb_pick(raw, want, &hd);
	if (o->h >= 0)
		o->adj = size_adj(mode, delta, hd->size);
}

static void read_sync(struct vrs_provider *p, void *op)
{
	struct op *o = fresh(op);
	uint8_t raw = vrs_provider_u8(p);
	uint32_t off = vrs_provider_u32(p), len = vrs_provider_u32(p);
	uint8_t dm = vrs_provider_u8(p);
	const struct handle *hd;
	o->h = vrs_fuzz_swiotlb_pick(raw, WANT_MAP, &hd);
	if (o->h < 0)
		return;
	uint32_t s = hd->size;
	if (off >> 29 == 7)
		o->off_plus = 1 + (off & 0xffff);
	o->off = o->off_plus ? s + o->off_plus : (off & 0x1fffffff) % (s + 1);
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
	o->dir = o->dir_given ? (uint8_t)((dm >> 3) % 3) : hd->dir;
}

static void read_dev_write(struct vrs_provider *p, void *op)
{
	struct op *o = fresh(op);
	uint8_t raw = vrs_provider_u8(p);
	uint32_t off = vrs_provider_u32(p);
	uint16_t len = vrs_provider_u16(p);
	o->val = vrs_provider_u8(p);
	const struct handle *hd;
	o->h = vrs_fuzz_swiotlb_pick(raw, WANT_MAP | WANT_ALLOC, &hd);
	if (o->h < 0)
		return;
	uint32_t s = hd->size;
	o->off = off % s;
	o->len = 1 + len % VRS_MIN(s - o->off, 65536u);
}

static void read_cpu_write(struct vrs_provider *p, void *op)
{
	struct op *o = fresh(op);
	o->buf = vrs_provider_u8(p) % NBUF;
	uint32_t off = vrs_provider_u32(p);
	uint16_t len = vrs_provider_u16(p);
	o->val = vrs_provider_u8(p);
	uint32_t bytes = (uint32_t)buf_bytes[o->buf];
	o->off = off % bytes;
	o->len = 1 + len % VRS_MIN(bytes - o->off, 65536u);
}

static void read_alloc(struct vrs_provider *p, void *op)
{
	fresh(op)->size = size_of(vrs_provider_u32(p));
}

/* ---- printing operations ------------------------------------------------ */

/* An op that needs a live handle and found none. */
static bool no_target(const struct op *o, const char *name,
		      struct vrs_dmaops_line *l)
{
	if (o->h >= 0)
		return false;
	vrs_dmaops_printf(l, "# %s: no live target", name);
	return true;
}

static bool fmt_map(const void *op, const char *const *names,
		    struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	vrs_dmaops_printf(l, "map %u %s %u %u", o->size, dir_names[o->dir],
			  o->buf, o->off);
	return true;
}

/* unmap and free: "H" and the size's error */
static bool fmt_adjusted(const void *op, const char *const *names,
			 struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	if (no_target(o, names[0], l))
		return false;
	vrs_dmaops_printf(l, "%s %d", names[0], o->h);
	if (o->adj)
		vrs_dmaops_printf(l, " %+lld", (long long)o->adj);
	return true;
}

static bool fmt_sync(const void *op, const char *const *names,
		     struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	if (no_target(o, names[0], l))
		return false;
	vrs_dmaops_printf(l, "%s %d ", names[0], o->h);
	if (o->off_plus)
		vrs_dmaops_printf(l, "end+%u ", o->off_plus);
	else
		vrs_dmaops_printf(l, "%u ", o->off);
	if (o->len_plus)
		vrs_dmaops_printf(l, "rest+%u", o->len_plus);
	else
		vrs_dmaops_printf(l, "%u", o->len);
	if (o->dir_given)
		vrs_dmaops_printf(l, " %s", dir_names[o->dir]);
	return true;
}

static bool fmt_dev_write(const void *op, const char *const *names,
			  struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	if (no_target(o, names[0], l))
		return false;
	vrs_dmaops_printf(l, "device-write %d %u %u %u", o->h, o->off, o->len,
			  o->val);
	return true;
}

static bool fmt_cpu_write(const void *op, const char *const *names,
			  struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	vrs_dmaops_printf(l, "cpu-write %u %u %u %u", o->buf, o->off, o->len,
			  o->val);
	return true;
}

static bool fmt_alloc(const void *op, const char *const *names,
		      struct vrs_dmaops_line *l)
{
	vrs_dmaops_printf(l, "alloc %u", ((const struct op *)op)->size);
	return true;
}

static void result_rc(const void *op, struct vrs_dmaops_line *l)
{
	vrs_dmaops_printf(l, "  # -> %s",
			  vrs_dmaops_rc_name(((const struct op *)op)->rc));
}

/* map and alloc: the handle made, or why none was */
static void result_new(const void *op, struct vrs_dmaops_line *l)
{
	const struct op *o = op;
	if (o->newh >= 0)
		vrs_dmaops_printf(l, "  # -> #%d at 0x%llx", o->newh,
				  (unsigned long long)o->addr);
	else
		result_rc(op, l);
}

/* ---- encoding operations ------------------------------------------------ */

static bool parse_dir(const char *w, uint8_t *dir)
{
	for (uint8_t d = 0; d < 3; d++)
		if (strcmp(w, dir_names[d]) == 0)
			return (void)(*dir = d), true;
	return false;
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

/* map SIZE DIR [BUF [OFF]] */
static int put_map(struct vrs_encoder *e, const struct vrs_encode_words *w,
		   unsigned spelling)
{
	uint64_t v, buf = 0, off = 0;
	uint32_t raw;
	uint8_t dir;
	if (w->n < 3 || w->n > 5 || !vrs_encode_num(w->w[1], &v) ||
	    !size_raw(v, &raw) || !parse_dir(w->w[2], &dir) ||
	    (w->n > 3 && (!vrs_encode_num(w->w[3], &buf) || buf >= NBUF)) ||
	    (w->n > 4 && (!vrs_encode_num(w->w[4], &off) || off > UINT32_MAX)))
		return -EINVAL;
	vrs_encode_put8(e, (uint8_t)buf);
	vrs_encode_put32(e, raw);
	vrs_encode_put8(e, dir);
	vrs_encode_put32(e, (uint32_t)off);
	return 0;
}

/* unmap/free: "H", "H +D" or "H -D". */
static int put_adjusted(struct vrs_encoder *e, const struct vrs_encode_words *w,
			unsigned spelling)
{
	uint64_t h, d;
	if (w->n < 2 || w->n > 3 || !vrs_encode_num(w->w[1], &h) || h > 255)
		return -EINVAL;
	vrs_encode_put8(e, (uint8_t)h);
	if (w->n == 2) {
		vrs_encode_put8(e, 0);
		vrs_encode_put16(e, 0);
	} else if (vrs_encode_plus(w->w[2], "", &d) && d <= 65536) {
		vrs_encode_put8(e, 6);
		vrs_encode_put16(e, (uint16_t)(d - 1));
	} else if (w->w[2][0] == '-' && vrs_encode_num(w->w[2] + 1, &d) &&
		   d <= 65535) {
		vrs_encode_put8(e, 7);
		vrs_encode_put16(e, (uint16_t)d);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* sync-cpu/sync-device H OFF|end+N LEN|rest+N [DIR] */
static int put_sync(struct vrs_encoder *e, const struct vrs_encode_words *w,
		    unsigned spelling)
{
	uint64_t h, v;
	uint8_t dir;
	if (w->n < 4 || w->n > 5 || !vrs_encode_num(w->w[1], &h) || h > 255)
		return -EINVAL;
	vrs_encode_put8(e, (uint8_t)h);
	for (unsigned i = 2; i <= 3; i++) {
		const char *prefix = i == 2 ? "end" : "rest";
		if (vrs_encode_plus(w->w[i], prefix, &v) && v <= 0x10000)
			vrs_encode_put32(e, (7u << 29) | (uint32_t)(v - 1));
		else if (vrs_encode_num(w->w[i], &v) && v < (1u << 29))
			vrs_encode_put32(e, (uint32_t)v);
		else
			return -EINVAL;
	}
	if (w->n == 5 && !parse_dir(w->w[4], &dir))
		return -EINVAL;
	vrs_encode_put8(e, w->n == 5 ? (uint8_t)(6 | dir << 3) : 0);
	return 0;
}

/* device-write H OFF LEN [VAL] and cpu-write BUF OFF LEN [VAL]. */
static int put_write(struct vrs_encoder *e, const struct vrs_encode_words *w,
		     unsigned spelling)
{
	uint64_t who, off, len, val = 0;
	if (w->n < 4 || w->n > 5 || !vrs_encode_num(w->w[1], &who) || who > 255 ||
	    !vrs_encode_num(w->w[2], &off) || off > UINT32_MAX ||
	    !vrs_encode_num(w->w[3], &len) || len < 1 || len > 65536 ||
	    (w->n == 5 && (!vrs_encode_num(w->w[4], &val) || val > 255)))
		return -EINVAL;
	vrs_encode_put8(e, (uint8_t)who);
	vrs_encode_put32(e, (uint32_t)off);
	vrs_encode_put16(e, (uint16_t)(len - 1));
	vrs_encode_put8(e, (uint8_t)val);
	return 0;
}

/* alloc SIZE */
static int put_alloc(struct vrs_encoder *e, const struct vrs_encode_words *w,
		     unsigned spelling)
{
	uint64_t v;
	uint32_t raw;
	if (w->n != 2 || !vrs_encode_num(w->w[1], &v) || !size_raw(v, &raw))
		return -EINVAL;
	vrs_encode_put32(e, raw);
	return 0;
}

/* ---- the format --------------------------------------------------------- */

static const struct vrs_dmaops_op_format op_formats[K_COUNT] = {
	[K_MAP] = {{"map"}, read_map, fmt_map, result_new, put_map},
	[K_UNMAP] = {{"unmap"}, read_adjusted, fmt_adjusted, result_rc,
		     put_adjusted},
	[K_SYNC_CPU] = {{"sync-cpu"}, read_sync, fmt_sync, result_rc, put_sync},
	[K_SYNC_DEV] = {{"sync-device"}, read_sync, fmt_sync, result_rc,
			put_sync},
	[K_DEV_WRITE] = {{"device-write"}, read_dev_write, fmt_dev_write, NULL,
			 put_write},
	[K_CPU_WRITE] = {{"cpu-write"}, read_cpu_write, fmt_cpu_write, NULL,
			 put_write},
	[K_ALLOC] = {{"alloc"}, read_alloc, fmt_alloc, result_new, put_alloc},
	[K_FREE] = {{"free"}, read_adjusted, fmt_adjusted, result_rc,
		    put_adjusted},
};

/* Header byte mod 4: the device's min_align_mask. */
static void print_header(uint8_t header, FILE *f)
{
	fprintf(f, "mask=0x%llx\n", (unsigned long long)masks[header % 4]);
}

static bool parse_mask(const char *w, uint8_t *idx, bool *bad)
{
	uint64_t v;
	if (!vrs_encode_key(w, "mask", &v, bad))
		return false;
	for (uint8_t i = 0; i < 4; i++)
		if (masks[i] == v)
			return (void)(*idx = i), true;
	*bad = true;
	return true;
}

const struct vrs_dmaops_format vrs_fuzz_swiotlb_format = {
	.ops = op_formats,
	.nkinds = K_COUNT,
	.opcodes = opcodes,
	.print_header = print_header,
	.parse_header = parse_mask,
};
