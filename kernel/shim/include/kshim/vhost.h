/* What drivers/vhost/vringh.c and iotlb.c need beyond the ring's shim:
 * pages named by bus address, bio_vecs, iov_iters, kmap, the user-copy
 * words and rate limits. Written by vrsim; nothing here is copied from
 * Linux.
 *
 * Every guest-memory access vringh makes lands on the bus of the device
 * being worked on (kshim_env.devbus): a copy_from_iter/copy_to_iter over
 * a bio_vec is one bus access per segment; a kmap bounces the page
 * through the bus (read whole, the bytes that changed written back at
 * kunmap; the page itself where vrs_bus_direct allows, its changes
 * still written through the bus), so faults, private pages and the
 * data-integrity oracle see what vringh touched. A struct page here is the page's bus address
 * (tagged so it is never NULL); vringh never dereferences one. */
#ifndef KSHIM_VHOST_H
#define KSHIM_VHOST_H

#include <sys/uio.h> /* struct iovec */

#include "kshim/mm.h"

#define kshim_page_of_pfn(pfn) ((struct page *)(uintptr_t)(((u64)(pfn) << PAGE_SHIFT) | 1))
#define kshim_page_bus(pg) ((u64)(uintptr_t)(pg) & ~(u64)1)
#define pfn_to_page(pfn) kshim_page_of_pfn(pfn)

struct bio_vec {
	struct page *bv_page;
	unsigned int bv_len;
	unsigned int bv_offset;
};

static inline void bvec_set_page(struct bio_vec *bv, struct page *page,
				 unsigned int len, unsigned int offset)
{
	bv->bv_page = page;
	bv->bv_len = len;
	bv->bv_offset = offset;
}

struct kvec {
	void *iov_base;
	size_t iov_len;
};

#define ITER_SOURCE 1 /* the iter is read from (a WRITE) */
#define ITER_DEST 0   /* the iter is written to (a READ) */
#define READ 0
#define WRITE 1

enum kshim_iter_type { KSHIM_ITER_BVEC, KSHIM_ITER_IOVEC, KSHIM_ITER_KVEC };

struct iov_iter {
	enum kshim_iter_type type;
	unsigned int dir;
	const void *vec; /* bio_vec, iovec or kvec array */
	unsigned long nr;
	size_t count;
};

static inline void iov_iter_bvec(struct iov_iter *i, unsigned int dir,
				 const struct bio_vec *bvec,
				 unsigned long nr, size_t count)
{
	*i = (struct iov_iter){KSHIM_ITER_BVEC, dir, bvec, nr, count};
}

static inline void iov_iter_init(struct iov_iter *i, unsigned int dir,
				 const struct iovec *iov, unsigned long nr,
				 size_t count)
{
	*i = (struct iov_iter){KSHIM_ITER_IOVEC, dir, iov, nr, count};
}

static inline void iov_iter_kvec(struct iov_iter *i, unsigned int dir,
				 const struct kvec *kvec, unsigned long nr,
				 size_t count)
{
	*i = (struct iov_iter){KSHIM_ITER_KVEC, dir, kvec, nr, count};
}

/* Bytes moved; fewer when the bus refused an access (which it reported). */
size_t copy_from_iter(void *dst, size_t bytes, struct iov_iter *i);
size_t copy_to_iter(const void *src, size_t bytes, struct iov_iter *i);

void *kshim_kmap(struct page *page);
void kshim_kunmap(void *addr);
#define kmap_local_page(pg) kshim_kmap(pg)
#define kunmap_local(addr) kshim_kunmap(addr)
#define kmap_atomic(pg) kshim_kmap(pg)
#define kunmap_atomic(addr) kshim_kunmap(addr)

/* The _user flavour is compiled, never driven: vrsim has no user
 * address space, so every user access fails as an unmapped one. */
#define get_user(x, p) ((x) = 0, -EFAULT)
#define put_user(x, p) ((void)(x), -EFAULT)
#define __get_user(x, p) get_user(x, p)
#define __put_user(x, p) put_user(x, p)
#define copy_from_user(d, s, n) ((void)(d), (void)(s), (unsigned long)(n))
#define copy_to_user(d, s, n) ((void)(d), (void)(s), (unsigned long)(n))

void *kshim_krealloc(const void *p, size_t size, gfp_t gfp);
static inline void *krealloc_array(void *p, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kshim_krealloc(p, bytes, gfp);
}

/* Every message is kept (kshim_env.msg): a refusal's reason is the line
 * vringh_bad printed, so no rate limit may swallow it. */
struct ratelimit_state {
	int interval, burst;
};
#define DEFAULT_RATELIMIT_INTERVAL 5
#define DEFAULT_RATELIMIT_BURST 10
#define DEFINE_RATELIMIT_STATE(name, i, b) struct ratelimit_state name = {i, b}
#define __ratelimit(rs) ((void)(rs), 1)

#endif
