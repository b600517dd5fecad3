/* The simulated IOMMU: IOVA allocation, page-table permissions, the device
 * IOTLB with strict and lazy invalidation, and the DMA API on top. */
#include <criterion/criterion.h>
#include <string.h>

#include "dma/iommu.h"
#include "iommu_internal.h" /* to break the object for check() */
#include "testing.h"

TestSuite(iommu, .init = vrs_test_setup, .fini = vrs_test_teardown);

#define BASE 0x100000000ull
#define PAGE VRS_PAGE_SIZE

static struct vrs_iommu *io;
static struct vrs_dma dma;
static struct vrs_xlate xl;

/* The platforms' default: 4 GiB base, 256 MiB aperture, 64 IOTLB entries. */
static void make(size_t aperture, unsigned entries, bool lazy)
{
	struct vrs_iommu_config c = {.iova_base = BASE, .aperture = aperture,
				     .iotlb_entries = entries, .lazy = lazy};
	cr_assert_eq(vrs_iommu_create(vrs_test_gmem(), &c, &io), 0);
	vrs_iommu_dma(io, &dma);
	vrs_iommu_xlate(io, &xl);
}

static void make_default(bool lazy) { make(256u << 20, 64, lazy); }

static void done(void)
{
	cr_assert_eq(vrs_iommu_check(io), 0);
	vrs_iommu_destroy(io);
	io = NULL;
}

static uint8_t *kmalloc(size_t size)
{
	vrs_gpa_t g;
	cr_assert_eq(vrs_gmem_alloc(vrs_test_gmem(), size, VRS_OWNER_BUFFER, &g), 0);
	return vrs_gmem_hva(vrs_test_gmem(), g, size);
}

static vrs_gpa_t gpa_of(const void *p)
{
	vrs_gpa_t g;
	cr_assert_eq(vrs_gmem_gpa(vrs_test_gmem(), p, 1, &g), 0);
	return g;
}

static enum vrs_xlate_fault xlate(vrs_dma_addr_t a, bool write,
				  struct vrs_xlate_result *r)
{
	return xl.translate(xl.ctx, a, write, r);
}

static struct vrs_iommu_stats stats(void)
{
	struct vrs_iommu_stats st;
	vrs_iommu_get_stats(io, &st);
	return st;
}

Test(iommu, default_config_creates_and_rejects_bad_configs)
{
	make_default(false);
	cr_assert_eq(vrs_iommu_check(io), 0);
	cr_assert_eq(vrs_iommu_mapped_pages(io), 0);
	cr_assert_eq(vrs_dma_max_mapping_size(&dma), 256u << 20);
	cr_assert_str_eq(dma.ops->name, "iommu");
	struct vrs_iommu *bad = NULL;
	struct vrs_iommu_config c[] = {
		{.iova_base = 0, .aperture = 1 << 20},
		{.iova_base = BASE + 1, .aperture = 1 << 20},
		{.iova_base = BASE, .aperture = 0},
		{.iova_base = BASE, .aperture = PAGE + 1},
		{.iova_base = ~0ull - 0xfffull, .aperture = 1 << 20},
		{.iova_base = BASE, .aperture = (size_t)1 << 40},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		cr_assert_eq(vrs_iommu_create(vrs_test_gmem(), &c[i], &bad),
			     -EINVAL, "config %zu", i);
	cr_assert_null(bad);
	done();
}

Test(iommu, every_direction_gets_exactly_its_permissions)
{
	make_default(false);
	static const struct {
		enum vrs_dma_dir dir;
		enum vrs_xlate_fault read, write;
	} cases[] = {
		{VRS_DMA_TO_DEVICE, VRS_XLATE_OK, VRS_XLATE_NO_WRITE},
		{VRS_DMA_FROM_DEVICE, VRS_XLATE_NO_READ, VRS_XLATE_OK},
		{VRS_DMA_BIDIRECTIONAL, VRS_XLATE_OK, VRS_XLATE_OK},
	};
	for (size_t i = 0; i < 3; i++) {
		uint8_t *buf = kmalloc(256);
		vrs_gpa_t g = gpa_of(buf);
		vrs_dma_addr_t a;
		cr_assert_eq(vrs_dma_map_single(&dma, buf, 256, cases[i].dir, &a), 0);
		cr_assert_not(vrs_dma_mapping_error(&dma, a));
		cr_assert(a >= BASE && a < BASE + (256u << 20));
		cr_assert_eq(a & VRS_PAGE_MASK, g & VRS_PAGE_MASK);
		struct vrs_xlate_result r;
		cr_assert_eq(xlate(a + 10, false, &r), cases[i].read, "dir %d", cases[i].dir);
		if (cases[i].read == VRS_XLATE_OK) {
			cr_assert_eq(r.gpa, g + 10);
			cr_assert_eq(r.contiguous, PAGE - ((g + 10) & VRS_PAGE_MASK));
			cr_assert_not(r.stale);
		}
		cr_assert_eq(xlate(a + 10, true, &r), cases[i].write, "dir %d", cases[i].dir);
		vrs_gpa_t lg;
		unsigned prot;
		cr_assert_eq(vrs_iommu_lookup(io, a, &lg, &prot), 0);
		cr_assert_eq(lg, g);
		cr_assert_eq(prot, cases[i].read == VRS_XLATE_OK ? (cases[i].write == VRS_XLATE_OK ? 3u : 1u) : 2u);
		cr_assert_eq(vrs_iommu_check(io), 0);
		vrs_dma_unmap_single(&dma, a, 256, cases[i].dir);
		cr_assert_eq(xlate(a, false, &r), VRS_XLATE_UNMAPPED);
		cr_assert_eq(vrs_iommu_lookup(io, a, NULL, NULL), -ENOENT);
	}
	cr_assert_eq(vrs_iommu_mapped_pages(io), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(iommu, device_writes_through_the_iova_land_in_the_driver_buffer)
{
	make_default(false);
	uint8_t *buf = kmalloc(16384);
	uint8_t *p = buf + 100; /* 3 pages touched, not page aligned */
	size_t len = 9000;
	memset(buf, 0, 16384);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_page(&dma, p, len, VRS_DMA_FROM_DEVICE, &a), 0);
	cr_assert_eq(vrs_iommu_mapped_pages(io), 3);
	uint8_t src[9000];
	vrs_test_fill(src, len, 42);
	size_t done_bytes = 0;
	while (done_bytes < len) {
		struct vrs_xlate_result r;
		cr_assert_eq(xlate(a + done_bytes, true, &r), VRS_XLATE_OK);
		cr_assert_eq(r.contiguous, PAGE - ((a + done_bytes) & VRS_PAGE_MASK));
		size_t piece = r.contiguous < len - done_bytes ? r.contiguous : len - done_bytes;
		uint8_t *dst = vrs_gmem_hva(vrs_test_gmem(), r.gpa, piece);
		cr_assert_not_null(dst);
		memcpy(dst, src + done_bytes, piece);
		done_bytes += piece;
	}
	cr_assert(vrs_test_has_pattern(p, len, 42));
	cr_assert_eq(buf[99], 0);
	cr_assert_eq(buf[100 + 9000], 0);
	vrs_dma_unmap_page(&dma, a, len, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(iommu, gpa_used_as_iova_is_unmapped)
{
	make_default(false);
	uint8_t *buf = kmalloc(512);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 512, VRS_DMA_BIDIRECTIONAL, &a), 0);
	struct vrs_xlate_result r;
	/* A driver that bypassed the DMA API hands the device a GPA. */
	cr_assert_eq(xlate(gpa_of(buf), false, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(xlate(gpa_of(buf), true, &r), VRS_XLATE_UNMAPPED);
	/* Inside the aperture but never mapped, and just past its end. */
	cr_assert_eq(xlate(a + 64 * PAGE, false, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(xlate(BASE + (256u << 20), false, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(xlate(VRS_DMA_MAPPING_ERROR, false, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(xlate(a, false, &r), VRS_XLATE_OK);
	vrs_dma_unmap_single(&dma, a, 512, VRS_DMA_BIDIRECTIONAL);
	done();
}

Test(iommu, bad_map_arguments_fail_with_mapping_error)
{
	make_default(false);
	uint8_t host[64];
	uint8_t *buf = kmalloc(64);
	vrs_dma_addr_t a = 1;
	cr_assert_eq(vrs_dma_map_single(&dma, host, 64, VRS_DMA_TO_DEVICE, &a), -EFAULT);
	cr_assert(vrs_dma_mapping_error(&dma, a));
	a = 1;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 0, VRS_DMA_TO_DEVICE, &a), -EINVAL);
	cr_assert_eq(a, VRS_DMA_MAPPING_ERROR);
	a = 1;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 64, VRS_DMA_NONE, &a), -EINVAL);
	cr_assert_eq(a, VRS_DMA_MAPPING_ERROR);
	a = 1;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 64, (enum vrs_dma_dir)7, &a), -EINVAL);
	cr_assert_eq(a, VRS_DMA_MAPPING_ERROR);
	cr_assert_eq(vrs_iommu_map_range(io, 0, 64, VRS_IOMMU_READ, &a), -EINVAL);
	cr_assert_eq(vrs_iommu_map_range(io, 16u << 20, 1, VRS_IOMMU_READ, &a), -EINVAL);
	cr_assert_eq(vrs_iommu_map_range(io, (16u << 20) - 8, 16, VRS_IOMMU_READ, &a), -EINVAL);
	cr_assert_eq(vrs_iommu_map_range(io, gpa_of(buf), 64, 0, &a), -EINVAL);
	cr_assert_eq(vrs_iommu_map_range(io, gpa_of(buf), 64, 4, &a), -EINVAL);
	cr_assert_eq(vrs_iommu_mapped_pages(io), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(iommu, iotlb_caches_and_counts)
{
	make_default(false);
	uint8_t *buf = kmalloc(64);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 64, VRS_DMA_TO_DEVICE, &a), 0);
	struct vrs_xlate_result r;
	cr_assert_eq(xlate(a, false, &r), VRS_XLATE_OK);
	cr_assert_eq(xlate(a + 8, false, &r), VRS_XLATE_OK);
	cr_assert_eq(stats().iotlb_misses, 1);
	cr_assert_eq(stats().iotlb_hits, 1);
	/* The cached entry lacks WRITE: the request goes to the table. */
	cr_assert_eq(xlate(a, true, &r), VRS_XLATE_NO_WRITE);
	cr_assert_eq(stats().iotlb_misses, 2);
	cr_assert_eq(stats().stale_hits, 0);
	vrs_dma_unmap_single(&dma, a, 64, VRS_DMA_TO_DEVICE);
	done();
}

Test(iommu, strict_unmap_invalidates_the_device_iotlb)
{
	make_default(false);
	uint8_t *buf = kmalloc(128);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 128, VRS_DMA_FROM_DEVICE, &a), 0);
	struct vrs_xlate_result r;
	cr_assert_eq(xlate(a, true, &r), VRS_XLATE_OK);
	vrs_dma_unmap_single(&dma, a, 128, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(stats().invalidations, 1);
	cr_assert_eq(xlate(a, true, &r), VRS_XLATE_UNMAPPED);
	cr_assert_not(r.stale);
	cr_assert_eq(stats().stale_hits, 0);
	/* Strict frees at once: the same IOVA comes back. */
	vrs_dma_addr_t b;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 128, VRS_DMA_FROM_DEVICE, &b), 0);
	cr_assert_eq(b, a);
	vrs_dma_unmap_single(&dma, b, 128, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(iommu, lazy_unmap_leaves_a_stale_entry_until_flush)
{
	make_default(true);
	uint8_t *buf = kmalloc(128);
	vrs_gpa_t g = gpa_of(buf);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 128, VRS_DMA_FROM_DEVICE, &a), 0);
	struct vrs_xlate_result r;
	cr_assert_eq(xlate(a, true, &r), VRS_XLATE_OK);
	cr_assert_not(r.stale);
	vrs_dma_unmap_single(&dma, a, 128, VRS_DMA_FROM_DEVICE);
	/* The table no longer has it, but the device's cache still does. */
	cr_assert_eq(vrs_iommu_lookup(io, a, NULL, NULL), -ENOENT);
	cr_assert_eq(vrs_iommu_mapped_pages(io), 0);
	cr_assert_eq(stats().invalidations, 0);
	cr_assert_eq(xlate(a + 4, true, &r), VRS_XLATE_OK);
	cr_assert(r.stale);
	cr_assert_eq(r.gpa, g + 4);
	cr_assert_eq(stats().stale_hits, 1);
	cr_assert_eq(vrs_iommu_check(io), 0); /* legal while queued */
	/* The IOVA is not reused while the device may cache it. */
	vrs_dma_addr_t b;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 128, VRS_DMA_TO_DEVICE, &b), 0);
	cr_assert_neq(b & ~VRS_PAGE_MASK, a & ~VRS_PAGE_MASK);
	vrs_iommu_flush(io);
	cr_assert_eq(stats().invalidations, 1);
	cr_assert_eq(xlate(a, true, &r), VRS_XLATE_UNMAPPED);
	cr_assert_not(r.stale);
	cr_assert_eq(stats().stale_hits, 1);
	cr_assert_eq(xlate(b, false, &r), VRS_XLATE_OK);
	vrs_dma_unmap_single(&dma, b, 128, VRS_DMA_TO_DEVICE);
	/* A page the device never cached is unreachable right away. */
	cr_assert_eq(xlate(b, false, &r), VRS_XLATE_OK); /* filled above */
	cr_assert(r.stale);
	vrs_dma_addr_t c;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 128, VRS_DMA_TO_DEVICE, &c), 0);
	vrs_dma_unmap_single(&dma, c, 128, VRS_DMA_TO_DEVICE);
	cr_assert_eq(xlate(c, false, &r), VRS_XLATE_UNMAPPED);
	/* Going strict drains the queue. */
	vrs_iommu_set_lazy(io, false);
	cr_assert_eq(xlate(b, false, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(iommu, without_an_iotlb_nothing_is_stale)
{
	make(1u << 20, 0, true);
	uint8_t *buf = kmalloc(64);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 64, VRS_DMA_BIDIRECTIONAL, &a), 0);
	struct vrs_xlate_result r;
	cr_assert_eq(xlate(a, true, &r), VRS_XLATE_OK);
	cr_assert_eq(xlate(a, false, &r), VRS_XLATE_OK);
	vrs_dma_unmap_single(&dma, a, 64, VRS_DMA_BIDIRECTIONAL);
	cr_assert_eq(xlate(a, true, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(stats().iotlb_hits, 0);
	cr_assert_eq(stats().stale_hits, 0);
	vrs_iommu_flush(io);
	done();
}

Test(iommu, flush_queue_full_flushes_implicitly)
{
	make_default(true);
	uint8_t *buf = kmalloc(64);
	struct vrs_xlate_result r;
	vrs_dma_addr_t first = 0, a;
	for (int i = 0; i < 256; i++) {
		cr_assert_eq(vrs_dma_map_single(&dma, buf, 64, VRS_DMA_TO_DEVICE, &a), 0);
		if (i == 0)
			first = a;
		cr_assert_eq(xlate(a, false, &r), VRS_XLATE_OK);
		vrs_dma_unmap_single(&dma, a, 64, VRS_DMA_TO_DEVICE);
	}
	cr_assert_eq(stats().invalidations, 0);
	cr_assert_eq(vrs_iommu_check(io), 0);
	/* The 257th unmap finds the queue full and flushes it first. */
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 64, VRS_DMA_TO_DEVICE, &a), 0);
	vrs_dma_unmap_single(&dma, a, 64, VRS_DMA_TO_DEVICE);
	cr_assert_eq(stats().invalidations, 256);
	cr_assert_eq(xlate(first, false, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(iommu, bad_unmaps_are_reported_and_change_nothing)
{
	make_default(false);
	uint8_t *buf = kmalloc(8192);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf + 16, 6000, VRS_DMA_TO_DEVICE, &a), 0);
	cr_assert_eq(vrs_iommu_unmap_range(io, a + 0x100000, 6000), -EINVAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DMA_MISUSE), "not mapped"));
	cr_assert_eq(vrs_iommu_unmap_range(io, a, 4096), -EINVAL);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DMA_MISUSE), "size"));
	cr_assert_eq(vrs_iommu_unmap_range(io, a + PAGE, 6000 - PAGE), -EINVAL);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DMA_MISUSE), "not its start"));
	cr_assert_eq(vrs_iommu_unmap_range(io, a - 16, 6016), -EINVAL);
	cr_assert_eq(vrs_iommu_unmap_range(io, gpa_of(buf), 6000), -EINVAL);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DMA_MISUSE), "aperture"));
	/* Through the DMA API: reported, never a crash. */
	vrs_dma_unmap_single(&dma, 0x1234, 10, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 6);
	cr_assert_eq(vrs_iommu_mapped_pages(io), 2);
	cr_assert_eq(vrs_iommu_check(io), 0);
	/* The correct unmap is quiet; a second one is a double unmap. */
	vrs_report_clear();
	vrs_dma_unmap_single(&dma, a, 6000, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	vrs_dma_unmap_single(&dma, a, 6000, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
	done();
}

Test(iommu, lazy_double_unmap_is_reported_while_pending)
{
	make_default(true);
	uint8_t *buf = kmalloc(64);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 64, VRS_DMA_TO_DEVICE, &a), 0);
	cr_assert_eq(vrs_iommu_unmap_range(io, a, 64), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	cr_assert_eq(vrs_iommu_unmap_range(io, a, 64), -EINVAL);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DMA_MISUSE), "pending"));
	cr_assert_eq(vrs_iommu_check(io), 0);
	done();
}

Test(iommu, exhaustion_gives_enomem_and_freeing_makes_room)
{
	make(16 * PAGE, 4, false);
	uint8_t *buf = kmalloc(64);
	vrs_gpa_t g = gpa_of(buf);
	vrs_dma_addr_t a[16], x = 0;
	for (int i = 0; i < 16; i++) {
		cr_assert_eq(vrs_iommu_map_range(io, g, 64, VRS_IOMMU_READ, &a[i]), 0);
		for (int j = 0; j < i; j++)
			cr_assert_neq(a[i], a[j]);
	}
	cr_assert_eq(vrs_iommu_map_range(io, g, 64, VRS_IOMMU_READ, &x), -ENOMEM);
	cr_assert_eq(x, VRS_DMA_MAPPING_ERROR);
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 64, VRS_DMA_TO_DEVICE, &x), -ENOMEM);
	cr_assert(vrs_dma_mapping_error(&dma, x));
	cr_assert_eq(vrs_iommu_unmap_range(io, a[5], 64), 0);
	cr_assert_eq(vrs_iommu_map_range(io, g, 64, VRS_IOMMU_READ, &x), 0);
	cr_assert_eq(x, a[5]);
	a[5] = x;
	cr_assert_eq(vrs_iommu_check(io), 0);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(vrs_iommu_unmap_range(io, a[i], 64), 0);
	/* Coalesced again: the whole aperture in one mapping. */
	uint8_t *big = kmalloc(16 * PAGE);
	cr_assert_eq(vrs_iommu_map_range(io, gpa_of(big), 16 * PAGE, VRS_IOMMU_WRITE, &x), 0);
	cr_assert_eq(x, BASE);
	cr_assert_eq(vrs_iommu_mapped_pages(io), 16);
	cr_assert_eq(vrs_iommu_map_range(io, g, 1, VRS_IOMMU_READ, &x), -ENOMEM);
	/* Too big for the aperture at all. */
	cr_assert_eq(vrs_iommu_map_range(io, gpa_of(big) + 1, 16 * PAGE, VRS_IOMMU_READ, &x), -ENOMEM);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(iommu, lazy_exhaustion_flushes_the_queue_and_retries)
{
	make(4 * PAGE, 4, true);
	uint8_t *buf = kmalloc(64);
	vrs_gpa_t g = gpa_of(buf);
	vrs_dma_addr_t a[4], x;
	struct vrs_xlate_result r;
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(vrs_iommu_map_range(io, g, 64, VRS_IOMMU_READ, &a[i]), 0);
		cr_assert_eq(xlate(a[i], false, &r), VRS_XLATE_OK);
	}
	for (int i = 0; i < 4; i++)
		cr_assert_eq(vrs_iommu_unmap_range(io, a[i], 64), 0);
	cr_assert_eq(vrs_iommu_map_range(io, g, 64, VRS_IOMMU_READ, &x), 0);
	cr_assert_eq(stats().invalidations, 4);
	cr_assert_eq(xlate(a[1], false, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(stats().stale_hits, 0);
	done();
}

Test(iommu, allocations_are_size_aligned_powers_of_two)
{
	make(12 * PAGE, 8, false); /* not a power of two: blocks of 8 and 4 */
	uint8_t *buf = kmalloc(8 * PAGE);
	vrs_gpa_t g = gpa_of(buf);
	vrs_dma_addr_t one, three, two;
	cr_assert_eq(vrs_iommu_map_range(io, g, 1, VRS_IOMMU_READ, &one), 0);
	cr_assert_eq(vrs_iommu_map_range(io, g, 3 * PAGE, VRS_IOMMU_READ, &three), 0);
	cr_assert_eq((three - BASE) % (4 * PAGE), 0);
	cr_assert_eq(vrs_iommu_map_range(io, g + 100, 2 * PAGE - 200, VRS_IOMMU_READ, &two), 0);
	cr_assert_eq((two - BASE - 100) % (2 * PAGE), 0);
	cr_assert_eq(vrs_iommu_mapped_pages(io), 1 + 3 + 2);
	/* The padding page of the 3-page block is reserved but not mapped. */
	struct vrs_xlate_result r;
	cr_assert_eq(xlate(three + 3 * PAGE, false, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(vrs_iommu_check(io), 0);
	vrs_dma_addr_t big;
	cr_assert_eq(vrs_iommu_map_range(io, g, 8 * PAGE, VRS_IOMMU_READ, &big), -ENOMEM);
	cr_assert_eq(vrs_iommu_unmap_range(io, one, 1), 0);
	cr_assert_eq(vrs_iommu_unmap_range(io, two, 2 * PAGE - 200), 0);
	cr_assert_eq(vrs_iommu_unmap_range(io, three, 3 * PAGE), 0);
	cr_assert_eq(vrs_iommu_map_range(io, g, 8 * PAGE, VRS_IOMMU_READ, &big), 0);
	cr_assert_eq(big, BASE);
	cr_assert_eq(vrs_iommu_map_range(io, g, 4 * PAGE, VRS_IOMMU_READ, &big), 0);
	cr_assert_eq(big, BASE + 8 * PAGE);
	cr_assert_eq(vrs_dma_max_mapping_size(&dma), 8 * PAGE);
	done();
}

Test(iommu, reset_forgets_every_mapping_and_iotlb_entry)
{
	make_default(true);
	uint8_t *buf = kmalloc(3 * PAGE);
	vrs_dma_addr_t a[8], fresh;
	struct vrs_xlate_result r;
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(vrs_dma_map_single(&dma, buf, 3 * PAGE, VRS_DMA_BIDIRECTIONAL, &a[i]), 0);
		cr_assert_eq(xlate(a[i], true, &r), VRS_XLATE_OK);
	}
	fresh = a[0];
	for (int i = 0; i < 4; i++)
		vrs_dma_unmap_single(&dma, a[i], 3 * PAGE, VRS_DMA_BIDIRECTIONAL);
	vrs_iommu_reset(io);
	cr_assert_eq(vrs_iommu_mapped_pages(io), 0);
	cr_assert_eq(vrs_iommu_check(io), 0);
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(vrs_iommu_lookup(io, a[i], NULL, NULL), -ENOENT);
		cr_assert_eq(xlate(a[i], true, &r), VRS_XLATE_UNMAPPED);
	}
	cr_assert_eq(stats().stale_hits, 0);
	cr_assert_eq(stats().iotlb_hits, 0);
	/* The allocator starts over: same addresses as a fresh object. */
	vrs_dma_addr_t b;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 3 * PAGE, VRS_DMA_BIDIRECTIONAL, &b), 0);
	cr_assert_eq(b, fresh);
	vrs_dma_unmap_single(&dma, b, 3 * PAGE, VRS_DMA_BIDIRECTIONAL);
	vrs_iommu_flush(io);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(iommu, coherent_memory_is_mapped_read_write_and_freed)
{
	make_default(false);
	struct vrs_gmem *gm = vrs_test_gmem();
	size_t before = vrs_gmem_allocated_bytes(gm);
	void *cpu;
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_alloc_coherent(&dma, 5000, &cpu, &a), 0);
	cr_assert_not_null(cpu);
	cr_assert_eq(a & VRS_PAGE_MASK, 0);
	cr_assert(a >= BASE);
	vrs_gpa_t g = gpa_of(cpu);
	cr_assert_eq(vrs_gmem_owner(gm, g), VRS_OWNER_COHERENT);
	cr_assert_eq(vrs_iommu_mapped_pages(io), 2);
	struct vrs_xlate_result r;
	cr_assert_eq(xlate(a + PAGE + 8, true, &r), VRS_XLATE_OK);
	cr_assert_eq(r.gpa, g + PAGE + 8);
	cr_assert_eq(xlate(a, false, &r), VRS_XLATE_OK);
	memset(cpu, 0x5a, 5000);
	cr_assert_eq(*(uint8_t *)vrs_gmem_hva(gm, r.gpa, 1), 0x5a);
	/* Freeing with the wrong address is misuse and frees nothing. */
	vrs_dma_free_coherent(&dma, 5000, cpu, a + PAGE);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
	vrs_dma_free_coherent(&dma, 5000, (uint8_t *)cpu + 64, a);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 2);
	cr_assert_eq(vrs_iommu_mapped_pages(io), 2);
	vrs_report_clear();
	vrs_dma_free_coherent(&dma, 5000, cpu, a);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	cr_assert_eq(vrs_iommu_mapped_pages(io), 0);
	cr_assert_eq(vrs_gmem_allocated_bytes(gm), before);
	cr_assert_eq(xlate(a, false, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(vrs_dma_alloc_coherent(&dma, 0, &cpu, &a), -EINVAL);
	cr_assert_null(cpu);
	cr_assert_eq(a, VRS_DMA_MAPPING_ERROR);
	cr_assert_eq(vrs_dma_alloc_coherent(&dma, SIZE_MAX, &cpu, &a), -ENOMEM);
	done();
}

Test(iommu, syncs_are_no_ops)
{
	make_default(false);
	uint8_t *buf = kmalloc(64);
	vrs_test_fill(buf, 64, 3);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 64, VRS_DMA_BIDIRECTIONAL, &a), 0);
	vrs_dma_sync_for_device(&dma, a, 0, 64, VRS_DMA_BIDIRECTIONAL);
	vrs_dma_sync_for_cpu(&dma, a, 8, 32, VRS_DMA_BIDIRECTIONAL);
	cr_assert(vrs_test_has_pattern(buf, 64, 3));
	cr_assert_eq(vrs_iommu_mapped_pages(io), 1);
	vrs_dma_unmap_single(&dma, a, 64, VRS_DMA_BIDIRECTIONAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(iommu, check_catches_a_broken_table_or_iotlb)
{
	make_default(false);
	uint8_t *buf = kmalloc(2 * PAGE);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 2 * PAGE, VRS_DMA_BIDIRECTIONAL, &a), 0);
	struct vrs_xlate_result r;
	cr_assert_eq(xlate(a, false, &r), VRS_XLATE_OK);
	cr_assert_eq(vrs_iommu_check(io), 0);
	uint32_t page = (uint32_t)((a - BASE) / PAGE);
	uint64_t *pte = &io->top[page >> VRS_IOMMU_LEAF_SHIFT][page & (VRS_IOMMU_LEAF_PTES - 1)];
	uint64_t saved = *pte;
	*pte = 0; /* a live mapping lost a page */
	cr_assert_eq(vrs_iommu_check(io), -EINVAL);
	*pte = saved + PAGE; /* points at the wrong GPA: the IOTLB disagrees */
	cr_assert_eq(vrs_iommu_check(io), -EINVAL);
	*pte = saved;
	cr_assert_eq(vrs_iommu_check(io), 0);
	/* A PTE no mapping accounts for. */
	pte[4] = saved;
	cr_assert_eq(vrs_iommu_check(io), -EINVAL);
	pte[4] = 0;
	io->mapped_pages++;
	cr_assert_eq(vrs_iommu_check(io), -EINVAL);
	io->mapped_pages--;
	vrs_dma_unmap_single(&dma, a, 2 * PAGE, VRS_DMA_BIDIRECTIONAL);
	done();
}

/* ---- randomized run against a reference model ------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

struct model_map {
	vrs_dma_addr_t iova;
	vrs_gpa_t gpa;
	size_t size;
	unsigned prot;
};

static void random_run(bool lazy, uint64_t seed)
{
	enum { APERTURE_PAGES = 64, MAXMAP = 80, OPS = 6000 };
	make(APERTURE_PAGES * PAGE, 8, lazy);
	uint8_t *pool = kmalloc(32 * PAGE);
	vrs_gpa_t pool_gpa = gpa_of(pool);
	struct model_map live[MAXMAP];
	size_t nlive = 0, model_pages = 0;
	unsigned enomem = 0, stale = 0;
	vrs_dma_addr_t last_unmapped = BASE;
	rng_state = seed;
	for (int op = 0; op < OPS; op++) {
		unsigned what = (unsigned)(rnd() % 10);
		struct vrs_xlate_result r;
		if (what < 4 && nlive < MAXMAP) {
			size_t size = 1 + (size_t)(rnd() % (3 * PAGE));
			vrs_gpa_t g = pool_gpa + rnd() % (32 * PAGE - size);
			unsigned prot = 1 + (unsigned)(rnd() % 3);
			vrs_dma_addr_t a;
			int rc = vrs_iommu_map_range(io, g, size, prot, &a);
			if (rc == -ENOMEM) {
				enomem++;
				cr_assert_eq(a, VRS_DMA_MAPPING_ERROR);
			} else {
				cr_assert_eq(rc, 0);
				uint64_t pages = ((g & VRS_PAGE_MASK) + size + PAGE - 1) / PAGE;
				uint64_t align = 1;
				while (align < pages)
					align <<= 1;
				cr_assert_eq(a & VRS_PAGE_MASK, g & VRS_PAGE_MASK);
				cr_assert_eq(((a - BASE) / PAGE) % align, 0);
				cr_assert_leq(a - BASE + size, APERTURE_PAGES * PAGE);
				/* No overlap with any live mapping's pages. */
				for (size_t i = 0; i < nlive; i++) {
					uint64_t s0 = live[i].iova / PAGE;
					uint64_t e0 = (live[i].iova + live[i].size - 1) / PAGE;
					uint64_t s1 = a / PAGE, e1 = (a + size - 1) / PAGE;
					cr_assert(e1 < s0 || e0 < s1);
				}
				live[nlive++] = (struct model_map){a, g, size, prot};
				model_pages += pages;
			}
		} else if (what < 7 && nlive) {
			size_t i = (size_t)(rnd() % nlive);
			cr_assert_eq(vrs_iommu_unmap_range(io, live[i].iova, live[i].size), 0);
			last_unmapped = live[i].iova;
			model_pages -= ((live[i].gpa & VRS_PAGE_MASK) + live[i].size + PAGE - 1) / PAGE;
			live[i] = live[--nlive];
		} else if (what < 9 && nlive) {
			size_t i = (size_t)(rnd() % nlive);
			size_t off = (size_t)(rnd() % live[i].size);
			bool write = rnd() & 1;
			enum vrs_xlate_fault f = xlate(live[i].iova + off, write, &r);
			unsigned need = write ? VRS_IOMMU_WRITE : VRS_IOMMU_READ;
			if (live[i].prot & need) {
				cr_assert_eq(f, VRS_XLATE_OK);
				cr_assert_eq(r.gpa, live[i].gpa + off);
				cr_assert_not(r.stale);
				cr_assert_eq(r.contiguous, PAGE - ((live[i].iova + off) & VRS_PAGE_MASK));
			} else {
				cr_assert_eq(f, write ? VRS_XLATE_NO_WRITE : VRS_XLATE_NO_READ);
			}
		} else {
			/* Any IOVA: outside every live mapping it is unmapped,
			 * or (lazy only) served stale from the device IOTLB. */
			/* Half the probes go where the device most likely
			 * still caches a translation. */
			vrs_dma_addr_t a = (rnd() & 1)
				? BASE + rnd() % ((APERTURE_PAGES + 4) * PAGE)
				: last_unmapped + rnd() % PAGE;
			bool write = rnd() & 1;
			/* The table maps whole pages, so match by page. */
			const struct model_map *m = NULL;
			for (size_t i = 0; i < nlive; i++)
				if (a / PAGE >= live[i].iova / PAGE &&
				    a / PAGE <= (live[i].iova + live[i].size - 1) / PAGE)
					m = &live[i];
			enum vrs_xlate_fault f = xlate(a, write, &r);
			if (m) {
				unsigned need = write ? VRS_IOMMU_WRITE : VRS_IOMMU_READ;
				cr_assert_eq(f, (m->prot & need) ? VRS_XLATE_OK
								 : (write ? VRS_XLATE_NO_WRITE : VRS_XLATE_NO_READ));
				if (f == VRS_XLATE_OK) {
					cr_assert_eq(r.gpa, m->gpa + (a - m->iova));
					cr_assert_not(r.stale);
				}
			} else if (f == VRS_XLATE_OK) {
				cr_assert(lazy && r.stale, "op %d: 0x%llx", op, (unsigned long long)a);
				stale++;
			} else {
				cr_assert_eq(f, VRS_XLATE_UNMAPPED, "op %d", op);
			}
			if (lazy && rnd() % 8 == 0)
				vrs_iommu_flush(io);
		}
		cr_assert_eq(vrs_iommu_check(io), 0, "op %d", op);
		cr_assert_eq(vrs_iommu_mapped_pages(io), model_pages, "op %d", op);
	}
	cr_assert_gt(enomem, 0);
	cr_assert_eq(stats().stale_hits, stale);
	if (lazy)
		cr_assert_gt(stale, 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	vrs_iommu_reset(io);
	cr_assert_eq(vrs_iommu_check(io), 0);
	done();
}

Test(iommu, random_operations_match_the_model_strict)
{
	random_run(false, 0x9e3779b97f4a7c15ull);
}

Test(iommu, random_operations_match_the_model_lazy)
{
	random_run(true, 0x243f6a8885a308d3ull);
}
