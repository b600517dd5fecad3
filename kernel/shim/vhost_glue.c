/* The device side's memory words (kshim/vhost.h): every access vringh
 * makes to guest memory becomes an access on the current queue's bus. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "kshim/env.h"
#include "kshim/vhost.h"
#include "vrsim/bus.h"
#include "vrsim/report.h"

static const struct vrs_bus *bus_or_bug(void)
{
	struct kshim_env *e = kshim_current();
	if (!e || !e->bus)
		kshim_bug("vringh touched guest memory outside a device call",
			  __FILE__, __LINE__);
	return e->bus;
}

/* Count one access; past the call's bound the device side is walking a
 * chain it will never finish: a liveness finding naming the addresses it
 * went round, and the call is ended as a BUG() would end it. */
static void account(u64 addr)
{
	struct kshim_env *e = kshim_current();
	e->recent[e->accesses % 8] = addr;
	if (!e->access_limit || ++e->accesses <= e->access_limit)
		return;
	char chain[8 * 20] = "";
	size_t n = 0;
	for (unsigned k = 0; k < 8; k++)
		n += (size_t)snprintf(chain + n, sizeof(chain) - n, " 0x%llx",
				      (unsigned long long)e->recent[(e->accesses + k) % 8]);
	e->stuck = true;
	vrs_report(VRS_FIND_LIVENESS,
		   "device side: %u guest-memory accesses in one call without "
		   "finishing the chain; the last at%s",
		   e->accesses - 1, chain);
	if (e->oops)
		longjmp(*e->oops, 1);
	abort();
}

/* Walk the iter's bio_vecs, moving up to bytes; stop at the first
 * refused access, as a real copy stops at a fault. */
static size_t bvec_copy(struct iov_iter *i, uint8_t *buf, size_t bytes,
			bool to_guest)
{
	const struct vrs_bus *bus = bus_or_bug();
	if (i->type != KSHIM_ITER_BVEC)
		return 0; /* the use_va variants are not driven */
	const struct bio_vec *bv = i->vec;
	size_t done = 0;
	bytes = min(bytes, i->count);
	for (unsigned long n = 0; n < i->nr && done < bytes; n++) {
		size_t len = min((size_t)bv[n].bv_len, bytes - done);
		u64 addr = kshim_page_bus(bv[n].bv_page) + bv[n].bv_offset;
		account(addr);
		int rc = to_guest ? vrs_bus_write(bus, addr, buf + done, len)
				  : vrs_bus_read(bus, addr, buf + done, len);
		if (rc < 0)
			break;
		done += len;
	}
	i->count -= done;
	return done;
}

size_t copy_from_iter(void *dst, size_t bytes, struct iov_iter *i)
{
	return bvec_copy(i, dst, bytes, false);
}

size_t copy_to_iter(const void *src, size_t bytes, struct iov_iter *i)
{
	return bvec_copy(i, (uint8_t *)(uintptr_t)src, bytes, true);
}

/* kmap: the page through the bus into a bounce page; kunmap writes back
 * the bytes that changed. vringh maps one page at a time, to reach one
 * aligned __virtio16 in it; two levels are allowed. A page the bus
 * refuses reads as zeros (the bus reported it).
 *
 * Where the bus can hand out the page itself (vrs_bus_direct: a read
 * with no finding and no side effect but its count) kmap hands out guest
 * memory and keeps only the copy to compare with; kunmap puts the
 * original bytes back and writes the changed run through the bus, so
 * that guest memory changes only through the bus (permissions, counts,
 * dirty pages, injected corruption and findings as for a bounce). */
struct bounce {
	uint8_t data[PAGE_SIZE], orig[PAGE_SIZE];
	uint8_t *map; /* what kmap handed out: data, or guest memory */
	u64 bus;
	bool used, readable;
};
static struct bounce bounces[2];

void *kshim_kmap(struct page *page)
{
	const struct vrs_bus *bus = bus_or_bug();
	for (unsigned n = 0; n < 2; n++) {
		struct bounce *b = &bounces[n], *other = &bounces[!n];
		if (b->used)
			continue;
		b->used = true;
		b->bus = kshim_page_bus(page);
		b->map = b->data; /* as it stays if account() ends the call */
		account(b->bus);
		/* two maps of one page would share one pointer */
		uint8_t *p = other->used && other->bus == b->bus
				     ? NULL
				     : vrs_bus_direct(bus, b->bus, PAGE_SIZE, false);
		if (p) {
			b->readable = true;
			b->map = p;
		} else {
			b->readable = vrs_bus_read(bus, b->bus, b->data,
						   PAGE_SIZE) == 0;
			if (!b->readable)
				memset(b->data, 0, PAGE_SIZE);
		}
		memcpy(b->orig, b->map, PAGE_SIZE);
		return b->map;
	}
	kshim_bug("kmap nested deeper than vringh ever does", __FILE__,
		  __LINE__);
}

/* The run [*lo, *hi) outside which now and orig agree; now != orig.
 * Each end is found by halving with memcmp, which compares at memory
 * speed: a 2-byte write costs two dozen calls, not a walk of the page. */
static void changed_run(const uint8_t *now, const uint8_t *orig, size_t *lo,
			size_t *hi)
{
	size_t l = 0, h = PAGE_SIZE; /* the first difference is in [l, h) */
	while (h - l > 8) {
		size_t m = l + (h - l) / 2;
		if (memcmp(now + l, orig + l, m - l) == 0)
			l = m;
		else
			h = m;
	}
	while (now[l] == orig[l])
		l++;
	*lo = l;
	h = PAGE_SIZE; /* the last difference is in [l, h) */
	while (h - l > 8) {
		size_t m = l + (h - l) / 2;
		if (memcmp(now + m, orig + m, h - m) == 0)
			h = m;
		else
			l = m;
	}
	while (now[h - 1] == orig[h - 1])
		h--;
	*hi = h;
}

void kshim_kunmap(void *addr)
{
	const struct vrs_bus *bus = bus_or_bug();
	for (unsigned n = 0; n < 2; n++) {
		struct bounce *b = &bounces[n];
		if (!b->used || (uint8_t *)addr != b->map)
			continue;
		b->used = false;
		/* the changed run, written as the device wrote it; most maps
		 * only read (memcmp says so at memory speed) */
		if (!b->readable || memcmp(b->map, b->orig, PAGE_SIZE) == 0)
			return;
		size_t lo, hi;
		changed_run(b->map, b->orig, &lo, &hi);
		if (b->map != b->data) {
			/* guest memory as it was, the run written by the bus */
			memcpy(b->data + lo, b->map + lo, hi - lo);
			memcpy(b->map + lo, b->orig + lo, hi - lo);
		}
		vrs_bus_write(bus, b->bus + lo, b->data + lo, hi - lo);
		return;
	}
	kshim_bug("kunmap of an address kmap never gave", __FILE__, __LINE__);
}

void *kshim_krealloc(const void *p, size_t size, gfp_t gfp)
{
	void *n = kmalloc(size, gfp);
	if (!n || !p)
		return n;
	size_t old = kshim_alloc_size(p);
	memcpy(n, p, min(old, size));
	kfree(p);
	return n;
}

/* Whether [p, p + len) is host memory the _kern flavour may touch. */
static bool is_host(const struct kshim_env *e, const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, here = (uintptr_t)&a;
	/* the stack: vringh's own locals (a descriptor, a used entry) */
	if (a + len > a && (a > here ? a - here : here - a) < (1u << 20))
		return true;
	for (size_t i = 0; i < e->nallocs; i++) {
		uintptr_t b = (uintptr_t)e->allocs[i].p;
		if (a >= b && a - b <= e->allocs[i].size &&
		    len <= e->allocs[i].size - (a - b))
			return true;
	}
	for (unsigned i = 0; i < 4; i++) {
		uintptr_t b = (uintptr_t)e->host[i].p;
		if (e->host[i].p && a >= b && a - b <= e->host[i].len &&
		    len <= e->host[i].len - (a - b))
			return true;
	}
	return false;
}

void *kshim_kern_memcpy(void *dst, const void *src, size_t len)
{
	struct kshim_env *e = kshim_current();
	if (!e || !e->bus || !len)
		return (memcpy)(dst, src, len);
	bool src_host = is_host(e, src, len), dst_host = is_host(e, dst, len);
	if (!src_host)
		account((uintptr_t)src);
	else if (!dst_host)
		account((uintptr_t)dst);
	if (!src_host) {
		if (dst_host && vrs_bus_read(e->bus, (uintptr_t)src, dst, len) < 0)
			memset(dst, 0, len); /* refused, and reported */
	} else if (!dst_host) {
		vrs_bus_write(e->bus, (uintptr_t)dst, src, len);
	} else {
		(memcpy)(dst, src, len);
	}
	return dst;
}
