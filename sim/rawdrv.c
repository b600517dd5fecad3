/* A hostile driver for fuzzing the device side: it writes descriptors,
 * indirect tables, available entries, packed flags and event fields into
 * the ring memory by hand, from the input. Most of what it writes is
 * nonsense the device must refuse; the chain builder writes well-formed
 * requests now and then so that the model devices are reached too. */
#include <string.h>

#include "sim_internal.h"
#include "vrsim/guard.h"

static struct vrs_endian ring_endian(const struct vrs_sim *s)
{
	return vrs_endian_for(s->accepted, s->cfg.big_endian_guest);
}

static void move_used_read_only(struct vrs_sim *s)
{
	struct vrs_rawdrv *r = &s->raw;
	for (unsigned q = 0; q < s->nq && s->q[q].dq; q++) {
		size_t len = 6 + 8ul * vrs_dq_num(s->q[q].dq);
		uint8_t *p = vrs_sim_kmalloc(s, len);
		vrs_dma_addr_t a = VRS_DMA_MAPPING_ERROR;
		if (!p)
			continue;
		if (vrs_dma_map_single(s->dma, p, len, VRS_DMA_TO_DEVICE, &a) < 0 ||
		    vrs_dma_mapping_error(s->dma, a)) {
			vrs_sim_kfree(s, p, len);
			continue;
		}
		memset(p, 0, len);
		r->ro_used[q] = p;
		r->ro_used_addr[q] = a;
		r->ro_used_len = len;
		s->q[q].dead = vrs_qpair_move_used(&s->pair[q], a) < 0;
		if (!s->q[q].dead)
			vrs_sim_referee_start(s, q);
	}
}

void vrs_rawdrv_start(struct vrs_sim *s)
{
	struct vrs_rawdrv *r = &s->raw;
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < VRS_RAW_BUFS; i++) {
		r->buf[i] = vrs_sim_kmalloc(s, VRS_RAW_BUF_LEN);
		r->addr[i] = VRS_DMA_MAPPING_ERROR;
		if (r->buf[i] &&
		    vrs_dma_map_single(s->dma, r->buf[i], VRS_RAW_BUF_LEN,
				       VRS_DMA_BIDIRECTIONAL, &r->addr[i]) == 0 &&
		    vrs_dma_mapping_error(s->dma, r->addr[i]))
			r->addr[i] = VRS_DMA_MAPPING_ERROR;
	}
	/* The long table costs a 64 KiB mapping: only when asked for. */
	r->table = s->cfg.long_chains ? vrs_sim_kmalloc(s, VRS_RAW_TABLE_ENTRIES * 16u)
				      : NULL;
	r->table_addr = VRS_DMA_MAPPING_ERROR;
	if (r->table &&
	    vrs_dma_map_single(s->dma, r->table, VRS_RAW_TABLE_ENTRIES * 16u,
			       VRS_DMA_TO_DEVICE, &r->table_addr) == 0 &&
	    vrs_dma_mapping_error(s->dma, r->table_addr))
		r->table_addr = VRS_DMA_MAPPING_ERROR;
	/* A used ring the device may read and not write (ro-used): the
	 * device is told of it in place of the driver's. */
	if (s->cfg.ro_used && !vrs_sim_packed(s))
		move_used_read_only(s);
	/* Where the ring was set up to start (vrs_packed_start). */
	for (unsigned q = 0; q < VRS_SIM_MAX_QUEUES; q++) {
		r->wrap[q] = true;
		r->avail_idx[q] = s->cfg.start;
		if (q < s->nq && s->q[q].dq)
			vrs_packed_start(s->cfg.start, vrs_dq_num(s->q[q].dq),
					 &r->next[q], &r->wrap[q]);
	}
}

void vrs_rawdrv_stop(struct vrs_sim *s)
{
	struct vrs_rawdrv *r = &s->raw;
	for (unsigned i = 0; i < VRS_RAW_BUFS; i++) {
		if (r->addr[i] != VRS_DMA_MAPPING_ERROR)
			vrs_dma_unmap_single(s->dma, r->addr[i], VRS_RAW_BUF_LEN,
					     VRS_DMA_BIDIRECTIONAL);
		if (r->buf[i])
			vrs_sim_kfree(s, r->buf[i], VRS_RAW_BUF_LEN);
	}
	if (r->table_addr != VRS_DMA_MAPPING_ERROR)
		vrs_dma_unmap_single(s->dma, r->table_addr,
				     VRS_RAW_TABLE_ENTRIES * 16u, VRS_DMA_TO_DEVICE);
	if (r->table)
		vrs_sim_kfree(s, r->table, VRS_RAW_TABLE_ENTRIES * 16u);
	if (r->spare)
		vrs_sim_kfree(s, r->spare, VRS_RAW_BUF_LEN);
	for (unsigned q = 0; q < VRS_SIM_MAX_QUEUES; q++) {
		if (!r->ro_used[q])
			continue;
		vrs_dma_unmap_single(s->dma, r->ro_used_addr[q], r->ro_used_len,
				     VRS_DMA_TO_DEVICE);
		vrs_sim_kfree(s, r->ro_used[q], r->ro_used_len);
	}
	memset(r, 0, sizeof(*r));
}

/* remap-tables: the table buffer just published is unmapped (its IOTLB
 * entries go, at the unmap or the flush) while the descriptor still
 * points there, and the next table is written to the other buffer,
 * mapped first so that it gets another address. */
static void move_table_buffer(struct vrs_sim *s)
{
	struct vrs_rawdrv *r = &s->raw;
	unsigned last = VRS_RAW_BUFS - 1;
	if (!r->spare)
		r->spare = vrs_sim_kmalloc(s, VRS_RAW_BUF_LEN);
	vrs_dma_addr_t a = VRS_DMA_MAPPING_ERROR;
	if (!r->spare || r->addr[last] == VRS_DMA_MAPPING_ERROR ||
	    vrs_dma_map_single(s->dma, r->spare, VRS_RAW_BUF_LEN,
			       VRS_DMA_BIDIRECTIONAL, &a) < 0 ||
	    vrs_dma_mapping_error(s->dma, a))
		return;
	vrs_dma_unmap_single(s->dma, r->addr[last], VRS_RAW_BUF_LEN,
			     VRS_DMA_BIDIRECTIONAL);
	uint8_t *old = r->buf[last];
	r->buf[last] = r->spare;
	r->addr[last] = a;
	r->spare = old;
}

/* A bus address: inside one of our buffers, or anything at all. */
static uint64_t pick_addr(struct vrs_sim *s)
{
	uint8_t how = vrs_provider_u8(&s->prov);
	if (how & 0x80)
		return vrs_provider_u64(&s->prov);
	return s->raw.addr[how % VRS_RAW_BUFS] +
	       vrs_provider_u16(&s->prov) % VRS_RAW_BUF_LEN;
}

struct ring_view {
	uint8_t *base;
	size_t size;
	size_t avail, used; /* offsets of the driver and device areas */
	unsigned num;
};

static bool view(struct vrs_sim *s, unsigned q, struct ring_view *v)
{
	struct vrs_vq_addrs a;
	const struct vrs_driver_queue *dq = s->q[q].dq;
	v->base = dq->ops->ring ? dq->ops->ring(dq, &v->size) : NULL;
	vrs_dq_addrs(s->q[q].dq, &a);
	v->avail = a.driver - a.desc;
	v->used = a.device - a.desc;
	v->num = vrs_dq_num(s->q[q].dq);
	return v->base != NULL;
}

static void put16(struct vrs_sim *s, const struct ring_view *v, size_t off,
		  uint16_t val)
{
	if (off + 2 <= v->size) {
		val = vrs_to16(ring_endian(s), val);
		memcpy(v->base + off, &val, 2);
	}
}

static void write_desc(struct vrs_sim *s, const struct ring_view *v,
		       unsigned slot, uint64_t addr, uint32_t len,
		       uint16_t flags, uint16_t next_or_id)
{
	struct vrs_endian e = ring_endian(s);
	uint8_t d[16];
	uint64_t a = vrs_to64(e, addr);
	uint32_t l = vrs_to32(e, len);
	uint16_t f = vrs_to16(e, flags), n = vrs_to16(e, next_or_id);
	bool packed = vrs_sim_packed(s);
	memcpy(d, &a, 8);
	memcpy(d + 8, &l, 4);
	/* split: flags then next; packed: id then flags */
	memcpy(d + 12, packed ? &n : &f, 2);
	memcpy(d + 14, packed ? &f : &n, 2);
	if ((size_t)slot * 16 + 16 <= v->avail)
		memcpy(v->base + (size_t)slot * 16, d, 16);
}

/* Packed: the AVAIL/USED pair that makes a slot available this lap. */
static uint16_t avail_bits(bool wrap)
{
	return wrap ? (uint16_t)(1u << VRS_PACKED_DESC_F_AVAIL)
		    : (uint16_t)(1u << VRS_PACKED_DESC_F_USED);
}

/* Make head available; unless valid, the split avail index now and then
 * jumps anywhere. */
static void publish(struct vrs_sim *s, unsigned q, const struct ring_view *v,
		    uint16_t head, bool valid)
{
	struct vrs_rawdrv *r = &s->raw;
	if (vrs_sim_packed(s)) {
		size_t off = (size_t)r->next[q] * 16 + 14;
		uint16_t f;
		memcpy(&f, v->base + off, 2);
		f = (uint16_t)((f & ~((1u << VRS_PACKED_DESC_F_AVAIL) |
				       (1u << VRS_PACKED_DESC_F_USED))) |
			       avail_bits(r->wrap[q]));
		memcpy(v->base + off, &f, 2);
		if (++r->next[q] >= v->num) {
			r->next[q] = 0;
			r->wrap[q] = !r->wrap[q];
		}
		return;
	}
	put16(s, v, v->avail + 4 + 2u * (r->avail_idx[q] % v->num), head);
	uint8_t jump = valid ? 0 : vrs_provider_u8(&s->prov);
	r->avail_idx[q] = (uint16_t)(r->avail_idx[q] +
				     (jump < 240 ? 1 : vrs_provider_u16(&s->prov)));
	put16(s, v, v->avail + 2, r->avail_idx[q]);
}

/* A request shaped as the blk model expects: header out, data out or in,
 * status in. */
static void build_chain(struct vrs_sim *s, unsigned q,
			const struct ring_view *v, bool valid)
{
	struct vrs_rawdrv *r = &s->raw;
	bool packed = vrs_sim_packed(s);
	unsigned start = packed ? r->next[q] : vrs_provider_u16(&s->prov) % v->num;
	uint32_t type = vrs_provider_u8(&s->prov) & 1;
	uint32_t len = 1 + vrs_provider_u16(&s->prov) % (VRS_RAW_BUF_LEN - 1);
	/* Now and then an empty data or status buffer, which a device must
	 * refuse (QEMU: "zero sized buffers are not allowed"). */
	uint8_t empty = vrs_provider_u8(&s->prov) | (valid ? 32 : 0);
	uint32_t status_len = empty < 16 ? 0 : 1;
	if (empty >= 16 && empty < 32)
		len = 0;
	memcpy(r->buf[0], &type, 4);
	uint16_t wflag = VRS_DESC_F_WRITE;
	uint16_t bits = packed ? avail_bits(r->wrap[q]) : 0;
	uint16_t id = (uint16_t)start;
	for (unsigned k = 0; k < 3; k++) {
		unsigned slot = (start + k) % v->num;
		uint16_t flags = (uint16_t)((k < 2 ? VRS_DESC_F_NEXT : 0) |
					    (k == 2 || (k == 1 && !type) ? wflag : 0));
		uint32_t l = k == 0 ? 16 : k == 1 ? len : status_len;
		/* packed slots after the head become available as written */
		if (packed && k > 0)
			flags |= (slot < start ? avail_bits(!r->wrap[q]) : bits);
		write_desc(s, v, slot, r->addr[k], l, flags,
			   packed ? id : (uint16_t)((slot + 1) % v->num));
	}
	if (packed) {
		publish(s, q, v, 0, valid); /* the head */
		for (unsigned k = 1; k < 3; k++)
			if (++r->next[q] >= v->num) {
				r->next[q] = 0;
				r->wrap[q] = !r->wrap[q];
			}
	} else {
		publish(s, q, v, (uint16_t)start, valid);
	}
}

/* How long a long request is: a quarter of the time the limits
 * themselves (the most a device must take, one less, one more unless
 * valid), else log-uniform below the limit, so that the cost of a long
 * chain (O(length) for both sides) is paid where it tells. At least 3:
 * header, data, status. */
static unsigned long_length(struct vrs_sim *s, unsigned limit, bool valid)
{
	uint8_t how = vrs_provider_u8(&s->prov);
	unsigned n = how < 32	? limit
		     : how < 48 ? limit - 1
		     : how < 64 ? limit + !valid
				: 1 + vrs_provider_u16(&s->prov) %
					      VRS_MIN(limit, 2u << how % 15);
	return n < 3 ? 3 : n;
}

/* Descriptor k of n of a blk request: header out, data (out for a write,
 * in for a read) in small pieces of our buffers, status in. */
static void long_piece(struct vrs_sim *s, unsigned k, unsigned n, bool read,
		       uint64_t *addr, uint32_t *len, uint16_t *flags)
{
	struct vrs_rawdrv *r = &s->raw;
	if (k == 0) {
		*addr = r->addr[0], *len = 16, *flags = 0;
	} else if (k + 1 == n) {
		*addr = r->addr[2], *len = 1, *flags = VRS_DESC_F_WRITE;
	} else {
		*addr = r->addr[1] + (k * 8u) % (VRS_RAW_BUF_LEN - 8);
		*len = 8;
		*flags = read ? VRS_DESC_F_WRITE : 0;
	}
	if (k + 1 < n)
		*flags |= VRS_DESC_F_NEXT;
}

/* One entry of an indirect table in the guest's ring byte order; packed
 * tables hold no id (next_or_id is dropped). */
static void put_table_entry(struct vrs_sim *s, uint8_t *d, uint64_t addr,
			    uint32_t len, uint16_t flags, uint16_t next)
{
	struct vrs_endian e = ring_endian(s);
	bool packed = vrs_sim_packed(s);
	uint64_t a = vrs_to64(e, addr);
	uint32_t l = vrs_to32(e, len);
	uint16_t f = vrs_to16(e, flags), n = packed ? 0 : vrs_to16(e, next);
	memcpy(d, &a, 8);
	memcpy(d + 8, &l, 4);
	memcpy(d + 12, packed ? &n : &f, 2);
	memcpy(d + 14, packed ? &f : &n, 2);
}

/* One thing a long request may get wrong, now and then, so that the
 * referee can hold the device to each rule on a chain that is otherwise
 * sound (a wholly random chain is refused for its first error). */
enum flaw {
	FLAW_NONE,
	FLAW_WRITE_ON_TABLE,  /* WRITE on the descriptor of a table: ignored */
	FLAW_NEXT_AND_INDIRECT,
	FLAW_INDIRECT_INSIDE,
	FLAW_READ_AFTER_WRITE,
	FLAW_ZERO_LENGTH,
	FLAW_NEXT_OUT_OF_RANGE,
	FLAW_COUNT,
};

static enum flaw pick_flaw(struct vrs_sim *s, bool valid)
{
	uint8_t b = vrs_provider_u8(&s->prov);
	if (valid || b < 128)
		return FLAW_NONE;
	return (enum flaw)(1 + b % (FLAW_COUNT - 1));
}

/* Element k of n as the flaw has it (the middle element carries it). */
static void flawed_piece(enum flaw f, unsigned k, unsigned n, uint32_t *len,
			 uint16_t *flags, uint16_t *next, uint16_t bound)
{
	if (k != n / 2)
		return;
	switch (f) {
	case FLAW_INDIRECT_INSIDE:
		*flags |= VRS_DESC_F_INDIRECT;
		break;
	case FLAW_READ_AFTER_WRITE:
		/* the middle of the data the other way round: readable among
		 * writable ones, or writable before readable ones */
		*flags ^= VRS_DESC_F_WRITE;
		break;
	case FLAW_ZERO_LENGTH:
		*len = 0;
		break;
	case FLAW_NEXT_OUT_OF_RANGE:
		if (*flags & VRS_DESC_F_NEXT)
			*next = bound;
		break;
	default:
		break;
	}
}

/* A blk request as long as the ring or an indirect table allows. */
static void long_chain(struct vrs_sim *s, unsigned q, const struct ring_view *v,
		       bool indirect, bool valid)
{
	struct vrs_rawdrv *r = &s->raw;
	bool packed = vrs_sim_packed(s);
	bool read = vrs_provider_bool(&s->prov);
	uint32_t type = read ? 0 : 1;
	memcpy(r->buf[0], &type, 4);
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	if (indirect) {
		if (r->table_addr == VRS_DMA_MAPPING_ERROR)
			return;
		unsigned limit = VRS_MIN(v->num, VRS_RAW_TABLE_ENTRIES - 1);
		unsigned n = long_length(s, limit, valid);
		enum flaw fl = pick_flaw(s, valid);
		for (unsigned k = 0; k < n; k++) {
			long_piece(s, k, n, read, &addr, &len, &flags);
			if (packed) /* a packed table is read in order */
				flags &= (uint16_t)~VRS_DESC_F_NEXT;
			uint16_t next = (uint16_t)(k + 1);
			flawed_piece(fl, k, n, &len, &flags, &next, (uint16_t)n);
			put_table_entry(s, r->table + 16u * k, addr, len, flags, next);
		}
		unsigned slot = packed ? r->next[q] : vrs_provider_u16(&s->prov) % v->num;
		uint16_t f = (uint16_t)(VRS_DESC_F_INDIRECT |
					(packed ? avail_bits(r->wrap[q]) : 0));
		if (fl == FLAW_WRITE_ON_TABLE)
			f |= VRS_DESC_F_WRITE;
		if (fl == FLAW_NEXT_AND_INDIRECT)
			f |= VRS_DESC_F_NEXT;
		write_desc(s, v, slot, r->table_addr, 16u * n, f,
			   packed ? (uint16_t)slot : 0);
		publish(s, q, v, packed ? 0 : (uint16_t)slot, valid);
		return;
	}
	unsigned n = long_length(s, v->num, valid);
	unsigned start = packed ? r->next[q] : vrs_provider_u16(&s->prov) % v->num;
	bool wrap = r->wrap[q];
	enum flaw fl = pick_flaw(s, valid);
	for (unsigned k = n; k-- > 0;) {
		/* The head last, as a driver must publish it. */
		unsigned slot = (start + k) % v->num;
		long_piece(s, k, n, read, &addr, &len, &flags);
		uint16_t next = packed ? (uint16_t)start
				       : (uint16_t)((slot + 1) % v->num);
		flawed_piece(fl, k, n, &len, &flags, &next, (uint16_t)v->num);
		if (packed) {
			bool lap = ((start + k) / v->num) % 2 ? !wrap : wrap;
			flags |= avail_bits(lap);
			if (k == 0)
				flags &= (uint16_t)~avail_bits(lap);
		}
		write_desc(s, v, slot, addr, len, flags, next);
	}
	if (packed) {
		publish(s, q, v, 0, valid); /* the head's bits, one slot on */
		for (unsigned k = 1; k < n; k++)
			if (++r->next[q] >= v->num) {
				r->next[q] = 0;
				r->wrap[q] = !r->wrap[q];
			}
	} else {
		publish(s, q, v, (uint16_t)start, valid);
	}
}

void vrs_rawdrv_request(struct vrs_sim *s, unsigned q)
{
	struct ring_view v;
	/* Small, so the phase stays cheap whatever else the input asks. */
	if (view(s, q, &v) && s->raw.addr[0] != VRS_DMA_MAPPING_ERROR)
		build_chain(s, q, &v, true);
}

void vrs_rawdrv_submit(struct vrs_sim *s, unsigned q)
{
	struct ring_view v;
	if (!view(s, q, &v))
		return;
	uint8_t action = vrs_provider_u8(&s->prov) % 6;
	switch (action) {
	case 0: { /* any descriptor, any content */
		/* One read per statement: C leaves the order in which call
		 * arguments are evaluated open, and gcc and clang differ. */
		unsigned slot = vrs_provider_u16(&s->prov) % v.num;
		uint64_t addr = pick_addr(s);
		uint32_t len = vrs_provider_u32(&s->prov);
		uint16_t flags = vrs_provider_u16(&s->prov);
		uint16_t next = vrs_provider_u16(&s->prov);
		write_desc(s, &v, slot, addr, len, flags, next);
		break;
	}
	case 1: /* make a head available */
		publish(s, q, &v, vrs_provider_u16(&s->prov) % (v.num + 1), false);
		break;
	case 2: { /* an indirect table in our last buffer */
		unsigned n = 1 + vrs_provider_u8(&s->prov) % 8;
		uint8_t *t = s->raw.buf[VRS_RAW_BUFS - 1];
		for (unsigned k = 0; k < n; k++) {
			uint64_t a = pick_addr(s);
			uint32_t l = vrs_provider_u16(&s->prov);
			uint16_t f = vrs_provider_u8(&s->prov) & 7;
			uint16_t nx = (uint16_t)(vrs_provider_u8(&s->prov) % (n + 1));
			memcpy(t + 16 * k, &a, 8);
			memcpy(t + 16 * k + 8, &l, 4);
			memcpy(t + 16 * k + 12, &f, 2);
			memcpy(t + 16 * k + 14, &nx, 2);
		}
		unsigned slot = vrs_provider_u16(&s->prov) % v.num;
		uint32_t len = 16 * n - (vrs_provider_u8(&s->prov) % 4 == 0 ? 3 : 0);
		uint16_t flags = VRS_DESC_F_INDIRECT | (vrs_provider_u8(&s->prov) & 7);
		uint16_t next = vrs_provider_u16(&s->prov);
		write_desc(s, &v, slot, s->raw.addr[VRS_RAW_BUFS - 1], len, flags,
			   next);
		if (s->cfg.remap_tables)
			move_table_buffer(s);
		break;
	}
	case 3: { /* event and flag fields */
		size_t off = v.avail + (vrs_provider_bool(&s->prov) ? 0 : 4 + 2u * v.num);
		put16(s, &v, off, vrs_provider_u16(&s->prov));
		break;
	}
	case 4: /* a valid request, to reach the model devices */
	case 5:
		if (s->raw.addr[0] == VRS_DMA_MAPPING_ERROR)
			break;
		if (s->cfg.long_chains)
			long_chain(s, q, &v, action == 5, false);
		else
			build_chain(s, q, &v, false);
		break;
	}
}
