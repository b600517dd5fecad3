/* Xen: the scrambled p2m table, xen-swiotlb's DMA ops and the device's
 * machine-address view. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dma/swiotlb.h"
#include "dma/xen.h"
#include "vrsim/guard.h"
#include "testing.h"

TestSuite(xen, .init = vrs_test_setup, .fini = vrs_test_teardown);

#define POOL (1u << 20)
#define SEED 0x1234abcdull

static struct vrs_swiotlb *sw;
static struct vrs_xen *xen;
static struct vrs_dma dma;
static struct vrs_xlate xl;

/* Before any allocation: the pool is a boot-time reservation. */
static void make(bool with_pool, uint64_t seed)
{
	sw = NULL;
	if (with_pool)
		cr_assert_eq(vrs_swiotlb_create(vrs_test_gmem(), POOL, &sw), 0);
	cr_assert_eq(vrs_xen_create(vrs_test_gmem(), sw, seed, &xen), 0);
	cr_assert_eq(vrs_xen_check(xen), 0);
	vrs_xen_dma(xen, &dma);
	vrs_xen_xlate(xen, &xl);
}

static void done(void)
{
	cr_assert_eq(vrs_xen_check(xen), 0);
	if (sw)
		cr_assert_eq(vrs_swiotlb_check(sw), 0);
	vrs_xen_destroy(xen);
	vrs_swiotlb_destroy(sw);
}

static uint8_t *kmalloc(size_t size)
{
	vrs_gpa_t g;
	cr_assert_eq(vrs_gmem_alloc(vrs_test_gmem(), size, VRS_OWNER_BUFFER, &g), 0);
	return vrs_gmem_hva(vrs_test_gmem(), g, size);
}

static vrs_gpa_t gpa_of(const void *p, size_t len)
{
	vrs_gpa_t g;
	cr_assert_eq(vrs_gmem_gpa(vrs_test_gmem(), p, len, &g), 0);
	return g;
}

static uint64_t mfn_of(vrs_gpa_t gpa)
{
	vrs_dma_addr_t a = vrs_xen_phys_to_bus(xen, gpa);
	cr_assert_neq(a, VRS_DMA_MAPPING_ERROR);
	return (a - VRS_XEN_MACHINE_BASE) >> VRS_PAGE_SHIFT;
}

/* The device side: walk the bus address through the translator, a page
 * at a time, and touch guest memory at the GPAs it yields. */
static void dev_access(vrs_dma_addr_t bus, void *buf, size_t len, bool write)
{
	uint8_t *b = buf;
	while (len) {
		struct vrs_xlate_result r;
		cr_assert_eq(xl.translate(xl.ctx, bus, write, &r), VRS_XLATE_OK,
			     "bus %#llx", (unsigned long long)bus);
		size_t n = VRS_MIN(len, r.contiguous);
		uint8_t *p = vrs_gmem_hva(vrs_test_gmem(), r.gpa, n);
		cr_assert_not_null(p);
		if (write) {
			memcpy(p, b, n);
			vrs_gmem_note_write(vrs_test_gmem(), r.gpa, n);
		} else {
			memcpy(b, p, n);
		}
		bus += n;
		b += n;
		len -= n;
	}
}

Test(xen, phys_to_bus_round_trips_for_every_page)
{
	make(true, SEED);
	size_t npages = vrs_gmem_npages(vrs_test_gmem());
	for (size_t pfn = 1; pfn < npages; pfn++) {
		vrs_gpa_t gpa = (pfn << VRS_PAGE_SHIFT) | (pfn * 37 & VRS_PAGE_MASK);
		vrs_dma_addr_t a = vrs_xen_phys_to_bus(xen, gpa);
		cr_assert_geq(a, VRS_XEN_MACHINE_BASE);
		cr_assert_eq(a & VRS_PAGE_MASK, gpa & VRS_PAGE_MASK);
		vrs_gpa_t back;
		cr_assert_eq(vrs_xen_bus_to_phys(xen, a, &back), 0);
		cr_assert_eq(back, gpa);
		struct vrs_xlate_result r;
		cr_assert_eq(xl.translate(xl.ctx, a, true, &r), VRS_XLATE_OK);
		cr_assert_eq(r.gpa, gpa);
		cr_assert_eq(r.contiguous, VRS_PAGE_SIZE - (gpa & VRS_PAGE_MASK));
		cr_assert_not(r.stale);
	}
	/* Page 0 and anything past memory have no machine address. */
	cr_assert_eq(vrs_xen_phys_to_bus(xen, 0), VRS_DMA_MAPPING_ERROR);
	cr_assert_eq(vrs_xen_phys_to_bus(xen, 100), VRS_DMA_MAPPING_ERROR);
	cr_assert_eq(vrs_xen_phys_to_bus(xen, vrs_gmem_size(vrs_test_gmem())),
		     VRS_DMA_MAPPING_ERROR);
	/* Machine frame 0 and frames past the last hold no guest page. */
	vrs_gpa_t g;
	cr_assert_eq(vrs_xen_bus_to_phys(xen, VRS_XEN_MACHINE_BASE + 8, &g), -EFAULT);
	cr_assert_eq(vrs_xen_bus_to_phys(xen, VRS_XEN_MACHINE_BASE +
					 vrs_gmem_size(vrs_test_gmem()), &g), -EFAULT);
	cr_assert_eq(vrs_xen_bus_to_phys(xen, VRS_DMA_MAPPING_ERROR, &g), -EFAULT);
	done();
}

Test(xen, p2m_is_scrambled_and_deterministic)
{
	make(true, SEED);
	struct vrs_gmem *gm = vrs_test_gmem();
	size_t npages = vrs_gmem_npages(gm);
	uint64_t *first = calloc(npages, sizeof(*first));
	cr_assert_not_null(first);
	size_t moved = 0, adjacent = 0;
	for (size_t pfn = 1; pfn < npages; pfn++) {
		first[pfn] = mfn_of(pfn << VRS_PAGE_SHIFT);
		moved += first[pfn] != pfn;
		if (pfn > 1 && first[pfn] == first[pfn - 1] + 1)
			adjacent++;
	}
	cr_assert_gt(moved, npages * 9 / 10);
	/* Only the pool's run (256 pages) and chance keep neighbours. */
	size_t pool_pages = POOL >> VRS_PAGE_SHIFT;
	cr_assert_geq(adjacent, pool_pages - 1);
	cr_assert_lt(adjacent, pool_pages - 1 + 16);
	cr_assert(vrs_xen_machine_contiguous(xen, vrs_swiotlb_pool_start(sw), POOL));

	/* Same seed, same table; another seed, another table. */
	struct vrs_xen *same, *other;
	cr_assert_eq(vrs_xen_create(gm, sw, SEED, &same), 0);
	cr_assert_eq(vrs_xen_create(gm, sw, SEED + 1, &other), 0);
	size_t differ = 0;
	for (size_t pfn = 1; pfn < npages; pfn++) {
		vrs_gpa_t gpa = pfn << VRS_PAGE_SHIFT;
		cr_assert_eq(vrs_xen_phys_to_bus(same, gpa), vrs_xen_phys_to_bus(xen, gpa));
		differ += vrs_xen_phys_to_bus(other, gpa) != vrs_xen_phys_to_bus(xen, gpa);
	}
	cr_assert_gt(differ, npages * 9 / 10);
	/* Reseeding rebuilds the same table from the same seed. */
	vrs_xen_reseed(other, SEED);
	cr_assert_eq(vrs_xen_check(other), 0);
	for (size_t pfn = 1; pfn < npages; pfn++)
		cr_assert_eq(vrs_xen_phys_to_bus(other, pfn << VRS_PAGE_SHIFT),
			     VRS_XEN_MACHINE_BASE + (first[pfn] << VRS_PAGE_SHIFT));
	vrs_xen_reseed(xen, 99);
	cr_assert_eq(vrs_xen_check(xen), 0);
	cr_assert(vrs_xen_machine_contiguous(xen, vrs_swiotlb_pool_start(sw), POOL));
	vrs_xen_destroy(same);
	vrs_xen_destroy(other);
	free(first);
	done();
}

/* Seeds 000/002/004: a driver that bypasses the DMA API hands the device
 * a GPA; on Xen the device reads it as a machine address, which is no
 * guest page at all. */
Test(xen, a_gpa_used_as_a_bus_address_does_not_translate)
{
	make(true, SEED);
	uint8_t *buf = kmalloc(4096);
	vrs_gpa_t gpa = gpa_of(buf, 4096);
	struct vrs_xlate_result r;
	cr_assert_eq(xl.translate(xl.ctx, gpa, false, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(xl.translate(xl.ctx, gpa, true, &r), VRS_XLATE_UNMAPPED);
	cr_assert_eq(xl.translate(xl.ctx, vrs_swiotlb_pool_start(sw), false, &r),
		     VRS_XLATE_UNMAPPED);
	vrs_gpa_t g;
	cr_assert_eq(vrs_xen_bus_to_phys(xen, gpa, &g), -EFAULT);
	/* Through the DMA API the same page is reachable. */
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 4096, VRS_DMA_TO_DEVICE, &a), 0);
	cr_assert_neq(a, gpa);
	cr_assert_eq(xl.translate(xl.ctx, a, false, &r), VRS_XLATE_OK);
	cr_assert_eq(r.gpa, gpa);
	vrs_dma_unmap_single(&dma, a, 4096, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(xen, a_single_page_is_mapped_in_place)
{
	make(true, SEED);
	uint8_t *buf = kmalloc(4096);
	memset(buf, 0x11, 4096);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf + 100, 3000, VRS_DMA_FROM_DEVICE, &a), 0);
	cr_assert_eq(a, vrs_xen_phys_to_bus(xen, gpa_of(buf + 100, 1)));
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);
	uint8_t data[3000];
	vrs_test_fill(data, sizeof(data), 8);
	dev_access(a, data, sizeof(data), true);
	/* No bounce: the CPU sees the write at once. */
	cr_assert(vrs_test_has_pattern(buf + 100, 3000, 8));
	vrs_dma_sync_for_cpu(&dma, a, 0, 3000, VRS_DMA_FROM_DEVICE);
	vrs_dma_unmap_single(&dma, a, 3000, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(buf[99], 0x11);
	cr_assert_eq(buf[3100], 0x11);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(xen, a_non_contiguous_buffer_is_bounced_from_device)
{
	make(true, SEED);
	const size_t len = 3 * 4096 - 200;
	uint8_t *buf = kmalloc(4 * 4096) + 100;
	memset(buf - 100, 0x33, 4 * 4096);
	vrs_gpa_t gpa = gpa_of(buf, len);
	cr_assert_not(vrs_xen_machine_contiguous(xen, gpa, len));
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, len, VRS_DMA_FROM_DEVICE, &a), 0);
	cr_assert_not(vrs_dma_mapping_error(&dma, a));
	vrs_gpa_t tlb;
	cr_assert_eq(vrs_xen_bus_to_phys(xen, a, &tlb), 0);
	cr_assert(vrs_swiotlb_owns(sw, tlb));
	cr_assert_gt(vrs_swiotlb_slots_used(sw), 0);
	/* The device writes through its view; the CPU sees nothing yet. */
	uint8_t *data = malloc(len);
	cr_assert_not_null(data);
	vrs_test_fill(data, len, 21);
	dev_access(a, data, len, true);
	cr_assert_eq(buf[0], 0x33);
	/* A partial sync at an offset brings exactly that range over. */
	vrs_dma_sync_for_cpu(&dma, a, 5000, 100, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(memcmp(buf + 5000, data + 5000, 100), 0);
	cr_assert_eq(buf[4999], 0x33);
	cr_assert_eq(buf[5100], 0x33);
	vrs_dma_unmap_single(&dma, a, len, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(memcmp(buf, data, len), 0);
	cr_assert_eq(buf[-1], 0x33);
	cr_assert_eq(buf[len], 0x33);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	free(data);
	done();
}

Test(xen, a_non_contiguous_buffer_is_bounced_to_device)
{
	make(true, SEED);
	const size_t len = 2 * 4096;
	uint8_t *buf = kmalloc(len);
	vrs_test_fill(buf, len, 4);
	cr_assert_not(vrs_xen_machine_contiguous(xen, gpa_of(buf, len), len));
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_page(&dma, buf, len, VRS_DMA_TO_DEVICE, &a), 0);
	uint8_t seen[8192];
	dev_access(a, seen, len, false);
	cr_assert(vrs_test_has_pattern(seen, len, 4));
	/* A CPU update reaches the device only through sync_for_device. */
	vrs_test_fill(buf, len, 5);
	dev_access(a, seen, len, false);
	cr_assert(vrs_test_has_pattern(seen, len, 4));
	vrs_dma_sync_for_device(&dma, a, 0, len, VRS_DMA_TO_DEVICE);
	dev_access(a, seen, len, false);
	cr_assert(vrs_test_has_pattern(seen, len, 5));
	/* A device scribble on a TO_DEVICE bounce stays in the pool. */
	memset(seen, 0xee, len);
	dev_access(a, seen, len, true);
	vrs_dma_unmap_page(&dma, a, len, VRS_DMA_TO_DEVICE);
	cr_assert(vrs_test_has_pattern(buf, len, 5));
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(xen, without_a_pool_non_contiguous_maps_fail)
{
	make(false, SEED);
	const size_t len = 2 * 4096;
	uint8_t *buf = kmalloc(len);
	cr_assert_not(vrs_xen_machine_contiguous(xen, gpa_of(buf, len), len));
	vrs_dma_addr_t a = 0;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, len, VRS_DMA_TO_DEVICE, &a), -EINVAL);
	cr_assert_eq(a, VRS_DMA_MAPPING_ERROR);
	cr_assert(vrs_dma_mapping_error(&dma, a));
	cr_assert_eq(vrs_dma_max_mapping_size(&dma), SIZE_MAX);
	/* One page still maps in place. */
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 4096, VRS_DMA_TO_DEVICE, &a), 0);
	cr_assert_not(vrs_dma_mapping_error(&dma, a));
	vrs_dma_unmap_single(&dma, a, 4096, VRS_DMA_TO_DEVICE);
	void *cpu;
	cr_assert_eq(vrs_dma_alloc_coherent(&dma, 3 * 4096, &cpu, &a), -ENOMEM);
	cr_assert_null(cpu);
	cr_assert_eq(a, VRS_DMA_MAPPING_ERROR);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(xen, bad_map_arguments_are_refused)
{
	make(true, SEED);
	uint8_t host[64];
	vrs_dma_addr_t a = 0;
	cr_assert_eq(vrs_dma_map_single(&dma, host, 64, VRS_DMA_TO_DEVICE, &a), -EFAULT);
	cr_assert_eq(a, VRS_DMA_MAPPING_ERROR);
	uint8_t *buf = kmalloc(64);
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 0, VRS_DMA_TO_DEVICE, &a), -EINVAL);
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 64, VRS_DMA_NONE, &a), -EINVAL);
	/* Larger than the pool allows: a mapping error, not a crash. */
	uint8_t *big = kmalloc(1u << 20);
	size_t max = vrs_dma_max_mapping_size(&dma);
	cr_assert_eq(max, vrs_swiotlb_max_mapping_size(sw));
	cr_assert_eq(vrs_dma_map_single(&dma, big, max + 1, VRS_DMA_TO_DEVICE, &a), -EINVAL);
	cr_assert(vrs_dma_mapping_error(&dma, a));
	cr_assert_eq(vrs_dma_map_single(&dma, big, max, VRS_DMA_TO_DEVICE, &a), 0);
	vrs_dma_unmap_single(&dma, a, max, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);
	done();
}

Test(xen, coherent_allocations_translate_back_to_the_same_memory)
{
	make(true, SEED);
	static const size_t sizes[] = {64, 4096, 3 * 4096 + 5, 64 * 1024};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		void *cpu;
		vrs_dma_addr_t a;
		cr_assert_eq(vrs_dma_alloc_coherent(&dma, n, &cpu, &a), 0);
		cr_assert_not_null(cpu);
		cr_assert_geq(a, VRS_XEN_MACHINE_BASE);
		vrs_gpa_t gpa = gpa_of(cpu, n);
		cr_assert(vrs_xen_machine_contiguous(xen, gpa, n));
		cr_assert_eq(vrs_gmem_owner(vrs_test_gmem(), gpa),
			     n <= 4096 ? VRS_OWNER_COHERENT : VRS_OWNER_SWIOTLB);
		/* CPU writes, device reads; device writes, CPU reads. */
		vrs_test_fill(cpu, n, (uint8_t)i);
		uint8_t *seen = malloc(n);
		cr_assert_not_null(seen);
		dev_access(a, seen, n, false);
		cr_assert(vrs_test_has_pattern(seen, n, (uint8_t)i));
		vrs_test_fill(seen, n, (uint8_t)(i + 50));
		dev_access(a, seen, n, true);
		cr_assert(vrs_test_has_pattern(cpu, n, (uint8_t)(i + 50)));
		free(seen);
		vrs_dma_free_coherent(&dma, n, cpu, a);
	}
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(xen, misuse_is_reported_and_correct_use_is_quiet)
{
	make(true, SEED);
	const size_t len = 2 * 4096;
	uint8_t *buf = kmalloc(len);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, len, VRS_DMA_BIDIRECTIONAL, &a), 0);
	vrs_dma_sync_for_cpu(&dma, a, 0, len, VRS_DMA_BIDIRECTIONAL);
	vrs_dma_sync_for_device(&dma, a, 4096, 10, VRS_DMA_BIDIRECTIONAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 0);
	/* The GPA is no machine address: unmap and sync of it are misuse. */
	vrs_dma_unmap_single(&dma, gpa_of(buf, len), len, VRS_DMA_BIDIRECTIONAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DMA_MISUSE), "xen: unmap"));
	vrs_dma_sync_for_cpu(&dma, gpa_of(buf, len), 0, 8, VRS_DMA_BIDIRECTIONAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 2);
	/* A sync past the bounce is caught by the pool. */
	vrs_dma_sync_for_cpu(&dma, a, len - 4, 64, VRS_DMA_BIDIRECTIONAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 3);
	vrs_dma_unmap_single(&dma, a, len, VRS_DMA_BIDIRECTIONAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 3);
	/* Second unmap of the same bounce: the pool reports it. */
	vrs_dma_unmap_single(&dma, a, len, VRS_DMA_BIDIRECTIONAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 4);
	/* free_coherent with the wrong bus address. */
	void *cpu;
	cr_assert_eq(vrs_dma_alloc_coherent(&dma, 256, &cpu, &a), 0);
	vrs_dma_free_coherent(&dma, 256, cpu, a + 4096);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 5);
	vrs_dma_free_coherent(&dma, 256, cpu, a);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 5);
	done();
}
