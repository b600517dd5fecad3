/* Linux's vringh behind the device-side interface, for one kernel version
 * (built once per version with a device side, tests/CMakeLists.txt):
 * rings written by hand into guest memory, popped by the kernel's code.
 * Each oracle the device side adds fires on a broken ring and stays quiet
 * on a correct one; where the kernels differ, the test says which does
 * what. */
#include <criterion/criterion.h>
#include <string.h>

#include <setjmp.h>

#include "kernel/linux.h"
#include "kshim/env.h"
#include "kshim/vhost.h"
#include "testing.h"
#include "vrsim/device.h"
#include "vrsim/virtio.h"

#define V1 VRS_BIT(VRS_F_VERSION_1)
#define INDIRECT VRS_BIT(VRS_F_INDIRECT_DESC)
#define NUM 8u
#define HAVE_6_12 (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0))
#ifndef KERNEL_VERSION
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + (c))
#endif

/* A bus over guest memory by GPA, refusing what lies outside it. */
static int gm_read(void *ctx, vrs_dma_addr_t addr, void *dst, size_t len)
{
	void *p = vrs_gmem_hva(ctx, addr, len);
	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

static int gm_write(void *ctx, vrs_dma_addr_t addr, const void *src, size_t len)
{
	void *p = vrs_gmem_hva(ctx, addr, len);
	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

static const struct vrs_bus_ops gm_ops = {
	.read = gm_read,
	.write = gm_write,
};
static struct vrs_bus bus;

/* The ring: descriptors, available and used rings, an indirect table and
 * two buffers, each at a GPA of its own page. */
static vrs_gpa_t desc_gpa, avail_gpa, used_gpa, table_gpa, buf_gpa;
static struct vrs_device_queue *dev;

static void *at(vrs_gpa_t gpa)
{
	return vrs_gmem_hva(vrs_test_gmem(), gpa, 1);
}

static void put_desc(vrs_gpa_t table, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t *d = (uint8_t *)at(table) + 16 * i;
	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* Make head available as the n-th entry (from 0). */
static void offer(unsigned n, uint16_t head)
{
	uint8_t *a = at(avail_gpa);
	memcpy(a + 4 + 2 * (n % NUM), &head, 2);
	uint16_t idx = (uint16_t)(n + 1);
	memcpy(a + 2, &idx, 2);
}

static vrs_gpa_t page(void)
{
	vrs_gpa_t g;
	cr_assert_eq(vrs_gmem_alloc(vrs_test_gmem(), VRS_PAGE_SIZE,
				    VRS_OWNER_RING, &g), 0);
	return g;
}

static void setup(void)
{
	vrs_test_setup();
	bus = (struct vrs_bus){&gm_ops, vrs_test_gmem()};
	desc_gpa = page();
	avail_gpa = page();
	used_gpa = page();
	table_gpa = page();
	buf_gpa = page();
	dev = NULL;
}

static void teardown(void)
{
	if (dev)
		dev->ops->destroy(dev);
	vrs_test_teardown();
}

static struct vrs_vqdev_config config(uint64_t features)
{
	return (struct vrs_vqdev_config){
		.num = NUM,
		.features = features,
		.addrs = {desc_gpa, avail_gpa, used_gpa},
		.bus = &bus,
		.gm = vrs_test_gmem(),
		.bus_is_gpa = true,
	};
}

static void start(const struct vrs_device_ops *ops, uint64_t features)
{
	cr_assert_not_null(ops, "this kernel has a device side");
	struct vrs_vqdev_config c = config(features);
	cr_assert_eq(ops->create(&c, &dev), 0);
}

static int pop(struct vrs_vqdev_req *req)
{
	static struct vrs_iov iov[2 * NUM + 2];
	memset(req, 0, sizeof(*req));
	req->iov = iov;
	req->iov_cap = 2 * NUM + 2;
	return dev->ops->pop(dev, req);
}

TestSuite(linux_device, .init = setup, .fini = teardown);

/* Both flavours take a well-formed chain and complete it, quietly. */
static void well_formed(const struct vrs_device_ops *ops)
{
	start(ops, V1);
	put_desc(desc_gpa, 0, buf_gpa, 16, VRS_DESC_F_NEXT, 1);
	put_desc(desc_gpa, 1, buf_gpa + 64, 8, VRS_DESC_F_WRITE, 0);
	offer(0, 0);
	struct vrs_vqdev_req req;
	cr_assert_eq(pop(&req), 0);
	cr_expect_eq(req.id, 0);
	cr_expect_eq(req.nout, 1);
	cr_expect_eq(req.nin, 1);
	cr_expect_eq(req.out_len, 16);
	cr_expect_eq(req.in_len, 8);
	cr_expect_eq(req.iov[1].addr, buf_gpa + 64);
	cr_assert_eq(dev->ops->push(dev, &req, 8), 0);
	uint8_t *used = at(used_gpa);
	uint16_t idx;
	uint32_t id, len;
	memcpy(&idx, used + 2, 2);
	memcpy(&id, used + 4, 4);
	memcpy(&len, used + 8, 4);
	cr_expect_eq(idx, 1);
	cr_expect_eq(id, 0);
	cr_expect_eq(len, 8);
	struct vrs_vqdev_position p;
	dev->ops->position(dev, &p);
	cr_expect_eq(p.avail, 1);
	cr_expect_eq(p.used, 1, "the used index counts what was completed");
	cr_expect_eq(pop(&req), -EAGAIN);
	cr_expect_eq(vrs_report_count(VRS_FIND_COUNT), 0);
}

Test(linux_device, the_iotlb_flavour_takes_a_chain_quietly)
{
	well_formed(vrs_linux_device_ops());
}

Test(linux_device, the_kern_flavour_takes_a_chain_quietly)
{
	well_formed(vrs_linux_device_kern_ops());
}

Test(linux_device, a_loop_in_the_ring_is_refused_in_the_kernels_words)
{
	start(vrs_linux_device_ops(), V1);
	put_desc(desc_gpa, 0, buf_gpa, 16, VRS_DESC_F_NEXT, 0);
	offer(0, 0);
	struct vrs_vqdev_req req;
	cr_assert_eq(pop(&req), -EPROTO);
	cr_expect(strstr(dev->ops->error(dev), "Descriptor loop"),
		  "%s", dev->ops->error(dev));
	cr_expect(dev->ops->needs_reset(dev));
	cr_expect_eq(vrs_report_count(VRS_FIND_COUNT), 0,
		     "a refusal is not a finding");
}

/* A long chain the device walks to its end: the liveness bound leaves it
 * alone. */
Test(linux_device, a_chain_of_the_queue_size_is_not_a_hang)
{
	start(vrs_linux_device_ops(), V1 | INDIRECT);
	for (unsigned i = 0; i < NUM; i++)
		put_desc(desc_gpa, i, buf_gpa + 8 * i, 8,
			 i + 1 < NUM ? VRS_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	offer(0, 0);
	struct vrs_vqdev_req req;
	cr_assert_eq(pop(&req), 0);
	cr_expect_eq(req.nout, NUM);
	cr_expect_eq(vrs_report_count(VRS_FIND_LIVENESS), 0);
}

/* A descriptor with INDIRECT and NEXT whose next is itself: 6.1 returns
 * to it after each table and appends the table's element again and
 * again (fixed in 6.12.118 by "vringh: bound top-level re-entry into
 * indirect tables"), until the kvec array would pass KMALLOC_MAX_SIZE:
 * the page allocator's WARN, then -ENOMEM. 6.12 counts the descriptor
 * and refuses the loop. */
Test(linux_device, indirect_reentry_warns_on_6_1_and_is_refused_by_6_12)
{
	start(vrs_linux_device_ops(), V1 | INDIRECT);
	put_desc(table_gpa, 0, buf_gpa, 8, 0, 0);
	put_desc(desc_gpa, 1, table_gpa, 16,
		 VRS_DESC_F_INDIRECT | VRS_DESC_F_NEXT, 1);
	offer(0, 1);
	struct vrs_vqdev_req req;
	cr_assert_eq(pop(&req), -EPROTO);
	cr_expect_eq(vrs_report_count(VRS_FIND_LIVENESS), 0,
		     "the walk ends by itself");
	if (HAVE_6_12) {
		cr_expect_eq(vrs_report_count(VRS_FIND_COUNT), 0);
		cr_expect(strstr(dev->ops->error(dev), "Descriptor loop"),
			  "%s", dev->ops->error(dev));
	} else {
		cr_expect_eq(vrs_report_count(VRS_FIND_KERNEL_WARN), 1);
		cr_expect(strstr(vrs_report_last(VRS_FIND_KERNEL_WARN),
				 "KMALLOC_MAX_SIZE"), "%s",
			  vrs_report_last(VRS_FIND_KERNEL_WARN));
		cr_expect(strstr(dev->ops->error(dev), "-ENOMEM"), "%s",
			  dev->ops->error(dev));
	}
}

/* The liveness bound (kshim/env.h, kernel/shim/vhost_glue.c): past its
 * limit of accesses in one call, a device side is walking a chain it
 * never finishes; the call is ended and the finding names the addresses
 * it went round. Below the limit, nothing. */
static int accesses(unsigned n, unsigned limit)
{
	static jmp_buf oops;
	static struct kshim_env env;
	memset(&env, 0, sizeof(env));
	env.bus = &bus;
	env.access_limit = limit;
	env.oops = &oops;
	kshim_enter(&env);
	static volatile unsigned done;
	done = 0;
	if (!setjmp(oops)) {
		for (; done < n; done++) {
			uint8_t b[16];
			struct bio_vec bv;
			struct iov_iter it;
			bvec_set_page(&bv, pfn_to_page(desc_gpa >> PAGE_SHIFT), 16,
				      (unsigned)(16 * (done % 8)));
			iov_iter_bvec(&it, ITER_DEST, &bv, 1, 16);
			cr_assert_eq(copy_from_iter(b, 16, &it), 16);
		}
	}
	kshim_set_env(NULL);
	return (int)done;
}

Test(linux_device, the_liveness_bound_ends_a_walk_without_end)
{
	cr_expect_eq(accesses(40, 32), 32, "ended at the bound");
	cr_expect_eq(vrs_report_count(VRS_FIND_LIVENESS), 1);
	cr_expect(strstr(vrs_report_last(VRS_FIND_LIVENESS),
			 "32 guest-memory accesses in one call"), "%s",
		  vrs_report_last(VRS_FIND_LIVENESS));
}

Test(linux_device, the_liveness_bound_leaves_a_finished_walk_alone)
{
	cr_expect_eq(accesses(32, 32), 32);
	cr_expect_eq(vrs_report_count(VRS_FIND_COUNT), 0);
}

/* kmap (kernel/shim/vhost_glue.c) over a bus that hands out guest memory
 * (vrs_bus_direct): vringh gets the page itself, and kunmap puts the
 * original bytes back and writes the changed run through the bus, so
 * that the bus still sees, checks and may refuse every write. */
static unsigned spy_writes;
static size_t spy_len;
static bool spy_refuse, spy_saw_original;

static int spy_write(void *ctx, vrs_dma_addr_t addr, const void *src,
		     size_t len)
{
	spy_writes++;
	spy_len = len;
	spy_saw_original = vrs_gmem_hva(ctx, addr, len) &&
			   *(uint8_t *)vrs_gmem_hva(ctx, addr, len) == 0;
	return spy_refuse ? -EFAULT : gm_write(ctx, addr, src, len);
}

static void *spy_direct(void *ctx, vrs_dma_addr_t addr, size_t len,
			bool write)
{
	return write ? NULL : vrs_gmem_hva(ctx, addr, len);
}

static const struct vrs_bus_ops spy_ops = {
	.read = gm_read,
	.write = spy_write,
	.direct = spy_direct,
};

static uint8_t *kmap_buf(void)
{
	return kshim_kmap(pfn_to_page(buf_gpa >> PAGE_SHIFT));
}

static void with_spy_bus(void)
{
	static struct kshim_env env;
	static struct vrs_bus spy;
	spy = (struct vrs_bus){&spy_ops, vrs_test_gmem()};
	memset(&env, 0, sizeof(env));
	env.bus = &spy;
	kshim_enter(&env);
	spy_writes = 0;
	spy_refuse = false;
}

Test(linux_device, kmap_hands_out_guest_memory_and_writes_through_the_bus)
{
	with_spy_bus();
	uint8_t *g = at(buf_gpa), *p = kmap_buf();
	cr_assert_eq(p, g, "the page itself");
	cr_assert_eq(p[100], 0);
	kshim_kunmap(p);
	cr_expect_eq(spy_writes, 0, "a map only read writes nothing");

	p = kmap_buf();
	p[100] = 0x5a;
	p[101] = 0xa5;
	kshim_kunmap(p);
	cr_expect_eq(spy_writes, 1);
	cr_expect_eq(spy_len, 2, "the changed run");
	cr_expect(spy_saw_original, "guest memory changes only by the bus");
	cr_expect_eq(g[100], 0x5a);
	cr_expect_eq(g[101], 0xa5);

	spy_refuse = true;
	p = kmap_buf();
	p[100] = 0;
	kshim_kunmap(p);
	cr_expect_eq(spy_writes, 2);
	cr_expect_eq(g[100], 0x5a, "a write the bus refused left no trace");
	kshim_set_env(NULL);
}

Test(linux_device, kmap_of_a_page_mapped_twice_bounces_the_second)
{
	with_spy_bus();
	uint8_t *g = at(buf_gpa), *p = kmap_buf(), *q = kmap_buf();
	cr_assert_eq(p, g);
	cr_assert_neq(q, g, "one pointer for two maps");
	q[7] = 7;
	kshim_kunmap(q);
	cr_expect_eq(spy_writes, 1);
	cr_expect_eq(g[7], 7);
	/* the first map is the page itself and sees the second's write, as
	 * two kmaps of one page do in Linux (vringh never nests them) */
	kshim_kunmap(p);
	cr_expect_eq(g[7], 7);
	/* the levels are free again: a bus without direct bounces */
	static struct kshim_env env;
	memset(&env, 0, sizeof(env));
	env.bus = &bus;
	kshim_enter(&env);
	p = kmap_buf();
	cr_expect_neq(p, g);
	cr_expect_eq(p[7], 7);
	kshim_kunmap(p);
	kshim_set_env(NULL);
}

/* The vhost IOTLB, fed from a mapping source of the test's: the ring at
 * IOVAs of its own, the used ring's page with perm. */
#define IOVA 0x40000000ull
static unsigned used_perm;
static struct vrs_bus phys;

static void watch(void *ctx, const struct vrs_xlate_listener *l, bool on)
{
	(void)ctx;
	if (!on)
		return;
	l->map(l->ctx, IOVA, desc_gpa, VRS_PAGE_SIZE,
	       VRS_XLATE_PERM_READ | VRS_XLATE_PERM_WRITE);
	l->map(l->ctx, IOVA + VRS_PAGE_SIZE, avail_gpa, VRS_PAGE_SIZE,
	       VRS_XLATE_PERM_READ | VRS_XLATE_PERM_WRITE);
	l->map(l->ctx, IOVA + 2 * VRS_PAGE_SIZE, used_gpa, VRS_PAGE_SIZE,
	       used_perm);
}

static const struct vrs_xlate_mappings mappings = {watch, NULL};

static void start_behind_iommu(unsigned perm)
{
	used_perm = perm;
	phys = bus;
	struct vrs_vqdev_config c = config(V1);
	c.addrs = (struct vrs_vq_addrs){IOVA, IOVA + VRS_PAGE_SIZE,
					IOVA + 2 * VRS_PAGE_SIZE};
	c.mappings = &mappings;
	c.phys = &phys;
	c.bus_is_gpa = false;
	cr_assert_eq(vrs_linux_device_ops()->create(&c, &dev), 0);
}

/* vringh writes the used ring's flags with putu16_iotlb. 6.1 asks the
 * vhost IOTLB for VHOST_MAP_WO, and a read-only mapping stops the write;
 * 6.12 asks for VHOST_MAP_RO (since "vringh: support VA with iotlb",
 * v6.5) and writes through the read-only mapping, which the access check
 * after the translation sees. */
Test(linux_device, a_write_through_a_read_only_mapping_is_seen)
{
	start_behind_iommu(VRS_XLATE_PERM_READ);
	cr_assert_eq(dev->ops->set_kicks(dev, false), 0);
	if (HAVE_6_12) {
		cr_expect_eq(vrs_report_count(VRS_FIND_STALE_IOTLB), 1);
		cr_expect(strstr(vrs_report_last(VRS_FIND_STALE_IOTLB),
				 "vringh write of "),
			  "%s", vrs_report_last(VRS_FIND_STALE_IOTLB));
	} else {
		cr_expect_eq(vrs_report_count(VRS_FIND_COUNT), 0);
		uint16_t flags;
		memcpy(&flags, at(used_gpa), 2);
		cr_expect_eq(flags, 0, "the read-only used ring kept its flags");
	}
}

Test(linux_device, writes_through_a_writable_mapping_are_quiet)
{
	start_behind_iommu(VRS_XLATE_PERM_READ | VRS_XLATE_PERM_WRITE);
	cr_assert_eq(dev->ops->set_kicks(dev, false), 0);
	put_desc(desc_gpa, 0, IOVA + 0x100, 8, VRS_DESC_F_WRITE, 0);
	offer(0, 0);
	struct vrs_vqdev_req req;
	cr_assert_eq(pop(&req), 0);
	cr_assert_eq(dev->ops->push(dev, &req, 8), 0);
	cr_expect_eq(vrs_report_count(VRS_FIND_COUNT), 0);
}

/* A translation the IOMMU no longer grants: the mapping source unmaps
 * the used ring, and vringh refuses to reach it (-EINVAL from its own
 * vhost IOTLB), without a finding. */
Test(linux_device, an_unmapped_ring_is_refused_not_reached)
{
	used_perm = VRS_XLATE_PERM_READ | VRS_XLATE_PERM_WRITE;
	start_behind_iommu(used_perm);
	/* the same source, told again: nothing for the used ring now */
	struct vrs_vqdev_config c = config(V1);
	c.addrs = (struct vrs_vq_addrs){IOVA, IOVA + VRS_PAGE_SIZE,
					IOVA + 3 * VRS_PAGE_SIZE};
	c.mappings = &mappings;
	c.phys = &phys;
	cr_assert_eq(dev->ops->reset(dev, &c), 0);
	put_desc(desc_gpa, 0, IOVA + 0x100, 8, VRS_DESC_F_WRITE, 0);
	offer(0, 0);
	struct vrs_vqdev_req req;
	cr_assert_eq(pop(&req), 0);
	cr_expect_lt(dev->ops->push(dev, &req, 8), 0);
	cr_expect(strstr(dev->ops->error(dev), "vringh_complete_iotlb"), "%s",
		  dev->ops->error(dev));
	cr_expect_eq(vrs_report_count(VRS_FIND_COUNT), 0);
}
