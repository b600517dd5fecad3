/* The referee suites' ring builders; see referee_ring.h. */
#include "referee_ring.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

uint8_t mem[MEM];
struct vrs_endian E; /* the byte order the helpers write in */
unsigned reads;
struct vrs_referee R;
unsigned NUM;

int tread(void *ctx, uint64_t a, void *dst, size_t len)
{
	(void)ctx;
	reads++;
	if (a > MEM || len > MEM - a)
		return -EFAULT;
	memcpy(dst, mem + a, len);
	return 0;
}

void setup(void)
{
	memset(mem, 0, sizeof(mem));
	E = (struct vrs_endian){.big = false};
	reads = 0;
}

void w16(uint64_t a, uint16_t v)
{
	v = vrs_to16(E, v);
	memcpy(mem + a, &v, 2);
}
void w32(uint64_t a, uint32_t v)
{
	v = vrs_to32(E, v);
	memcpy(mem + a, &v, 4);
}
void w64(uint64_t a, uint64_t v)
{
	v = vrs_to64(E, v);
	memcpy(mem + a, &v, 8);
}

/* ---- building rings ---- */

void sdesc_at(uint64_t base, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	w64(base + 16u * i, addr);
	w32(base + 16u * i + 8, len);
	w16(base + 16u * i + 12, flags);
	w16(base + 16u * i + 14, next);
}

void avail_ring(uint16_t pos, uint16_t head)
{
	w16(DRIVER + 4 + 2u * (pos % NUM), head);
}
void avail_idx(uint16_t v) { w16(DRIVER + 2, v); }
void avail_flags(uint16_t v) { w16(DRIVER, v); }
void used_event(uint16_t v) { w16(DRIVER + 4 + 2u * NUM, v); }

/* A packed descriptor made available for wrap counter wrap (2.8.1). */
void pdesc_raw(unsigned slot, uint64_t addr, uint32_t len, uint16_t id,
		      uint16_t flags)
{
	w64(DESC + 16u * slot, addr);
	w32(DESC + 16u * slot + 8, len);
	w16(DESC + 16u * slot + 12, id);
	w16(DESC + 16u * slot + 14, flags);
}
uint16_t avail_bits(bool wrap)
{
	return wrap ? F_AVAIL : F_USED;
}
void pdesc(unsigned slot, uint64_t addr, uint32_t len, uint16_t id,
		  uint16_t flags, bool wrap)
{
	pdesc_raw(slot, addr, len, id, (uint16_t)(flags | avail_bits(wrap)));
}
void ptab(unsigned j, uint64_t addr, uint32_t len, uint16_t flags)
{
	sdesc_at(TABLE, j, addr, len, 0, 0);
	w16(TABLE + 16u * j + 12, 0x5a5a); /* id: reserved, ignored */
	w16(TABLE + 16u * j + 14, flags);
}
void driver_event(uint16_t off_wrap, uint16_t flags)
{
	w16(DRIVER, off_wrap);
	w16(DRIVER + 2, flags);
}

struct vrs_referee_config cfg_for(unsigned num, uint64_t features)
{
	return (struct vrs_referee_config){
		.num = num, .features = features,
		.addrs = {.desc = DESC, .driver = DRIVER, .device = DEVICE},
		.read = tread, .packed_wrap = true,
	};
}

void split_ref(unsigned num, uint64_t features, uint16_t start)
{
	struct vrs_referee_config c = cfg_for(num, features | V1);
	c.split_start = start;
	NUM = num;
	cr_assert_eq(vrs_referee_init(&R, &c), 0);
	cr_assert_eq(vrs_referee_check(&R), 0);
}

void packed_ref(unsigned num, uint64_t features, uint16_t slot, bool wrap)
{
	struct vrs_referee_config c = cfg_for(num, features | V1 | PK);
	c.packed_slot = slot;
	c.packed_wrap = wrap;
	NUM = num;
	cr_assert_eq(vrs_referee_init(&R, &c), 0);
	cr_assert_eq(vrs_referee_check(&R), 0);
}

struct vrs_referee_chain judge(void)
{
	struct vrs_referee_chain c;
	cr_assert_eq(vrs_referee_next(&R, &c), 0);
	cr_assert_eq(vrs_referee_check(&R), 0);
	return c;
}

void expect(const struct vrs_referee_chain *c,
		   enum vrs_referee_verdict v, const char *section)
{
	cr_assert_eq(c->verdict, v, "verdict %s, want %s (%s)",
		     vrs_referee_verdict_name(c->verdict),
		     vrs_referee_verdict_name(v), c->reason ? c->reason : "-");
	if (section)
		cr_assert(c->reason && strstr(c->reason, section),
			  "reason '%s' does not name %s",
			  c->reason ? c->reason : "(none)", section);
	if (v == VRS_REFEREE_ACCEPT || v == VRS_REFEREE_EMPTY)
		cr_assert_null(c->reason, "%s", c->reason);
}

void counts(const struct vrs_referee_chain *c, uint32_t nr, uint32_t nw,
		   uint64_t rb, uint64_t wb)
{
	cr_assert_eq(c->n_read, nr, "n_read %u want %u", c->n_read, nr);
	cr_assert_eq(c->n_write, nw, "n_write %u want %u", c->n_write, nw);
	cr_assert_eq(c->read_bytes, rb, "read_bytes %llu want %llu",
		     (unsigned long long)c->read_bytes, (unsigned long long)rb);
	cr_assert_eq(c->write_bytes, wb, "write_bytes %llu want %llu",
		     (unsigned long long)c->write_bytes, (unsigned long long)wb);
}

/* One split chain at avail position 0 (cursor 0). */
void offer(uint16_t head)
{
	avail_ring(0, head);
	avail_idx(1);
}
