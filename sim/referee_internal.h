/* Shared between sim/referee*.c: the verdict being built and the
 * descriptor reads. Not for other modules. */
#ifndef VRSIM_SIM_REFEREE_INTERNAL_H
#define VRSIM_SIM_REFEREE_INTERNAL_H

#include <string.h>

#include "sim/referee.h"

#define VRS_REFEREE_MAGIC 0x52454652u /* "REFR" */

/* Fold a finding into the chain: REFUSE beats UNDECIDED beats ACCEPT,
 * and the first reason of the winning kind stays. */
static inline void vrs_ref_note(struct vrs_referee_chain *c,
				enum vrs_referee_verdict v, const char *why)
{
	if (v == VRS_REFEREE_REFUSE && c->verdict != VRS_REFEREE_REFUSE) {
		c->verdict = v;
		c->reason = why;
	} else if (v == VRS_REFEREE_UNDECIDED &&
		   c->verdict == VRS_REFEREE_ACCEPT) {
		c->verdict = v;
		c->reason = why;
	}
}

/* One read through the callback; a failure becomes the FAULT verdict. */
static inline bool vrs_ref_read(const struct vrs_referee *r,
				struct vrs_referee_chain *c, uint64_t addr,
				void *dst, size_t len)
{
	if (r->cfg.read(r->cfg.ctx, addr, dst, len) == 0)
		return true;
	c->verdict = VRS_REFEREE_FAULT;
	c->reason = "a read of the driver's ring failed";
	c->fault_addr = addr;
	return false;
}

static inline uint16_t vrs_ref_le16(struct vrs_endian e, const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	/* Host byte order is little endian on every platform vrsim builds
	 * for; vrs_endian says whether the ring's order differs. */
	return vrs_from16(e, v);
}

static inline uint32_t vrs_ref_le32(struct vrs_endian e, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return vrs_from32(e, v);
}

static inline uint64_t vrs_ref_le64(struct vrs_endian e, const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return vrs_from64(e, v);
}

/* A 16-byte descriptor as its four fields: addr, len, and the two 16-bit
 * words at 12 and 14 (split: flags, next; packed: id, flags). */
struct vrs_ref_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t w12, w14;
};

static inline bool vrs_ref_read_desc(const struct vrs_referee *r,
				     struct vrs_referee_chain *c, uint64_t at,
				     struct vrs_ref_desc *d)
{
	uint8_t b[16];
	if (!vrs_ref_read(r, c, at, b, sizeof(b)))
		return false;
	d->addr = vrs_ref_le64(r->e, b);
	d->len = vrs_ref_le32(r->e, b + 8);
	d->w12 = vrs_ref_le16(r->e, b + 12);
	d->w14 = vrs_ref_le16(r->e, b + 14);
	return true;
}

/* One element of the buffer (not a descriptor pointing at a table):
 * counts, bytes, and the readable-before-writable rule (2.7.4.2,
 * 2.8.17), which spans the normal part and an indirect table. */
static inline void vrs_ref_element(struct vrs_referee_chain *c, bool write,
				   uint32_t len, const char *order_rule)
{
	if (write) {
		c->n_write++;
		c->write_bytes += len;
	} else {
		if (c->n_write)
			vrs_ref_note(c, VRS_REFEREE_REFUSE, order_rule);
		c->n_read++;
		c->read_bytes += len;
	}
	/* No rule of 1.2 forbids or requires an empty element; devices
	 * such as QEMU refuse them ("zero sized buffers are not allowed"),
	 * so the spec leaves the device free either way. */
	if (len == 0) {
		c->n_zero_len++;
		vrs_ref_note(c, VRS_REFEREE_UNDECIDED,
			     "2.7.5/2.8.4: no rule on a zero-length element; "
			     "the device may take or refuse it");
	}
}

/* More elements than the device's own limit but within the Queue Size:
 * the device MAY refuse (2.7.4.1, 2.8.18). */
static inline void vrs_ref_device_limit(const struct vrs_referee *r,
					struct vrs_referee_chain *c)
{
	if (r->cfg.max_chain && c->n_read + c->n_write > r->cfg.max_chain)
		vrs_ref_note(c, VRS_REFEREE_UNDECIDED,
			     "2.7.4.1/2.8.18: more elements than the device's "
			     "limit; the device MAY refuse");
}

/* Judge the chain at r's cursor into c (verdict ACCEPT on entry, the rest
 * zero). Split also hands back the avail idx it read, in *seen, and says
 * whether it could read it. */
bool vrs_ref_split_judge(const struct vrs_referee *r,
			 struct vrs_referee_chain *c, uint16_t *seen);
void vrs_ref_packed_judge(const struct vrs_referee *r,
			  struct vrs_referee_chain *c);

#endif
