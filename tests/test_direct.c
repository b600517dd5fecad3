/* dma-direct and the encryption helpers. */
#include <criterion/criterion.h>
#include <string.h>

#include "dma/direct.h"
#include "dma/encrypt.h"
#include "dma/swiotlb.h"
#include "testing.h"

TestSuite(direct, .init = vrs_test_setup, .fini = vrs_test_teardown);

static struct vrs_direct d;
static struct vrs_dma dma;

static void make(uint64_t offset, bool decrypt)
{
	struct vrs_direct_config c = {.offset = offset, .decrypt_coherent = decrypt};
	vrs_direct_init(&d, vrs_test_gmem(), &c);
	vrs_direct_dma(&d, &dma);
}

static uint8_t *kmalloc(size_t size)
{
	vrs_gpa_t g;
	cr_assert_eq(vrs_gmem_alloc(vrs_test_gmem(), size, VRS_OWNER_BUFFER, &g), 0);
	return vrs_gmem_hva(vrs_test_gmem(), g, size);
}

Test(direct, bus_address_is_gpa_plus_offset_and_translates_back)
{
	make(0x80000000ull, false);
	uint8_t *buf = kmalloc(256);
	vrs_gpa_t gpa;
	cr_assert_eq(vrs_gmem_gpa(vrs_test_gmem(), buf, 256, &gpa), 0);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 256, VRS_DMA_TO_DEVICE, &a), 0);
	cr_assert_eq(a, gpa + 0x80000000ull);
	struct vrs_xlate x;
	struct vrs_xlate_result r;
	vrs_direct_xlate(&d, &x);
	cr_assert_eq(x.translate(x.ctx, a, false, &r), VRS_XLATE_OK);
	cr_assert_eq(r.gpa, gpa);
	cr_assert_not(r.stale);
	/* A plain GPA is below the offset: it means nothing to this device. */
	cr_assert_eq(x.translate(x.ctx, gpa, false, &r), VRS_XLATE_OUTSIDE);
	vrs_dma_unmap_single(&dma, a, 256, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
}

Test(direct, map_refuses_memory_outside_the_guest)
{
	make(0, false);
	uint8_t host[64];
	vrs_dma_addr_t a = 1;
	cr_assert_eq(vrs_dma_map_single(&dma, host, 64, VRS_DMA_TO_DEVICE, &a), -EFAULT);
	cr_assert_eq(a, VRS_DMA_MAPPING_ERROR);
	cr_assert(vrs_dma_mapping_error(&dma, a));
	cr_assert_eq(vrs_dma_map_single(&dma, kmalloc(8), 0, VRS_DMA_TO_DEVICE, &a), -EINVAL);
	cr_assert_eq(vrs_dma_map_single(&dma, kmalloc(8), 8, VRS_DMA_NONE, &a), -EINVAL);
}

Test(direct, unmap_of_foreign_address_is_reported)
{
	make(0x1000000, false);
	vrs_dma_unmap_single(&dma, 0x10, 16, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
}

Test(direct, coherent_is_shared_on_protected_guest_and_reencrypted_on_free)
{
	struct vrs_gmem *gm = vrs_test_gmem();
	vrs_gmem_set_default_private(gm, true);
	make(0, true);
	void *cpu;
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_alloc_coherent(&dma, 5000, &cpu, &a), 0);
	cr_assert_eq(a % VRS_PAGE_SIZE, 0);
	cr_assert_not(vrs_gmem_range_private(gm, a, 5000));
	vrs_dma_free_coherent(&dma, 5000, cpu, a);
	cr_assert(vrs_gmem_page_private(gm, a));
	cr_assert(vrs_gmem_page_private(gm, a + VRS_PAGE_SIZE));
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
}

Test(direct, coherent_stays_private_without_decrypt)
{
	struct vrs_gmem *gm = vrs_test_gmem();
	vrs_gmem_set_default_private(gm, true);
	make(0, false);
	void *cpu;
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_alloc_coherent(&dma, 100, &cpu, &a), 0);
	cr_assert(vrs_gmem_page_private(gm, a));
}

Test(direct, free_coherent_of_wrong_pair_is_reported)
{
	make(0, false);
	void *cpu;
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_alloc_coherent(&dma, 100, &cpu, &a), 0);
	vrs_dma_free_coherent(&dma, 100, cpu, a + 4096);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
	vrs_dma_free_coherent(&dma, 100, cpu, a);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
}

/* The arm64-dma-ranges offset, and the Arm CCA alias bit (40-bit IPA). */
#define OFFSET 0x80000000ull
#define ALIAS (1ull << 39)

static struct vrs_swiotlb *sw;

/* A bouncing backend; the pool first, as a boot-time reservation. */
static void make_bounce(uint64_t offset, uint64_t alias)
{
	cr_assert_eq(vrs_swiotlb_create(vrs_test_gmem(), 256u << 10, &sw), 0);
	struct vrs_direct_config c = {.offset = offset, .shared_alias = alias,
				      .swiotlb = sw, .force_bounce = true,
				      .decrypt_coherent = alias != 0};
	vrs_direct_init(&d, vrs_test_gmem(), &c);
	vrs_direct_dma(&d, &dma);
}

static vrs_gpa_t translate(vrs_dma_addr_t a)
{
	struct vrs_xlate x;
	struct vrs_xlate_result r;
	vrs_direct_xlate(&d, &x);
	cr_assert_eq(x.translate(x.ctx, a, true, &r), VRS_XLATE_OK,
		     "bus %#llx does not translate", (unsigned long long)a);
	return r.gpa;
}

static vrs_gpa_t gpa_of(const void *cpu, size_t len)
{
	vrs_gpa_t g;
	cr_assert_eq(vrs_gmem_gpa(vrs_test_gmem(), cpu, len, &g), 0);
	return g;
}

Test(direct, offset_applies_to_coherent_memory_and_free_converts_back)
{
	make(OFFSET, false);
	void *cpu;
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_alloc_coherent(&dma, 5000, &cpu, &a), 0);
	cr_assert_eq(a, gpa_of(cpu, 5000) + OFFSET);
	cr_assert_eq(translate(a), gpa_of(cpu, 5000));
	cr_assert_eq(translate(a + 4999), gpa_of(cpu, 5000) + 4999);
	vrs_dma_free_coherent(&dma, 5000, cpu, a);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	/* Freed, the pages are the allocator's again. */
	cr_assert_eq(vrs_gmem_allocated_bytes(vrs_test_gmem()), 0);
}

/* dma_to_phys with an offset: a sync and an unmap find the bounce slot
 * from the bus address, and copy the device's bytes back. */
Test(direct, offset_sync_and_unmap_convert_the_bus_address_back)
{
	make_bounce(OFFSET, 0);
	uint8_t *in = kmalloc(300);
	memset(in, 0, 300);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, in, 300, VRS_DMA_FROM_DEVICE, &a), 0);
	cr_assert_geq(a, OFFSET);
	vrs_gpa_t slot = translate(a);
	cr_assert_eq(slot, a - OFFSET);
	cr_assert(vrs_swiotlb_owns(sw, slot));
	/* the device writes the slot */
	uint8_t *dev = vrs_gmem_hva(vrs_test_gmem(), slot, 300);
	cr_assert_not_null(dev);
	vrs_test_fill(dev, 300, 5);
	vrs_dma_sync_for_cpu(&dma, a, 100, 50, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(memcmp(in + 100, dev + 100, 50), 0);
	cr_assert_eq(in[99], 0);
	cr_assert_eq(in[150], 0);
	vrs_dma_unmap_single(&dma, a, 300, VRS_DMA_FROM_DEVICE);
	cr_assert(vrs_test_has_pattern(in, 300, 5));
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	/* The slot's GPA is no bus address of this backend. */
	cr_assert_eq(vrs_dma_map_single(&dma, in, 300, VRS_DMA_TO_DEVICE, &a), 0);
	vrs_dma_sync_for_cpu(&dma, a - OFFSET, 0, 10, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
	vrs_dma_unmap_single(&dma, a, 300, VRS_DMA_TO_DEVICE);
	vrs_swiotlb_destroy(sw);
}

Test(direct, shared_alias_marks_decrypted_memory_and_is_cleared_back)
{
	struct vrs_gmem *gm = vrs_test_gmem();
	vrs_gmem_set_default_private(gm, true);
	make_bounce(0, ALIAS);
	uint8_t *buf = kmalloc(200);
	vrs_test_fill(buf, 200, 6);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 200, VRS_DMA_TO_DEVICE, &a), 0);
	/* phys_to_dma_unencrypted of the slot: alias | slot */
	cr_assert(a & ALIAS);
	vrs_gpa_t slot = translate(a);
	cr_assert_eq(slot, a & ~ALIAS);
	cr_assert(vrs_swiotlb_owns(sw, slot));
	cr_assert(vrs_test_has_pattern(vrs_gmem_hva(gm, slot, 200), 200, 6));
	/* Without the alias: the protected IPA, which does not translate. */
	struct vrs_xlate x;
	struct vrs_xlate_result r;
	vrs_direct_xlate(&d, &x);
	cr_assert_eq(x.translate(x.ctx, a & ~ALIAS, false, &r), VRS_XLATE_UNMAPPED);
	vrs_dma_unmap_single(&dma, a, 200, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);

	/* Decrypted coherent pages carry it too, and free wants it back. */
	void *cpu;
	cr_assert_eq(vrs_dma_alloc_coherent(&dma, 100, &cpu, &a), 0);
	cr_assert_eq(a, gpa_of(cpu, 100) | ALIAS);
	cr_assert_not(vrs_gmem_page_private(gm, a & ~ALIAS));
	vrs_dma_free_coherent(&dma, 100, cpu, a & ~ALIAS);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
	vrs_dma_free_coherent(&dma, 100, cpu, a);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 1);
	cr_assert(vrs_gmem_page_private(gm, a & ~ALIAS));
	vrs_swiotlb_destroy(sw);
}

Test(direct, shared_alias_stays_off_memory_that_is_not_decrypted)
{
	struct vrs_direct_config c = {.shared_alias = ALIAS};
	vrs_direct_init(&d, vrs_test_gmem(), &c);
	vrs_direct_dma(&d, &dma);
	uint8_t *buf = kmalloc(64);
	vrs_dma_addr_t a;
	/* No bounce: the buffer is private memory, its canonical address is
	 * what phys_to_dma gives, and the device cannot use it. */
	cr_assert_eq(vrs_dma_map_single(&dma, buf, 64, VRS_DMA_TO_DEVICE, &a), 0);
	cr_assert_eq(a, gpa_of(buf, 64));
	struct vrs_xlate x;
	struct vrs_xlate_result r;
	vrs_direct_xlate(&d, &x);
	cr_assert_eq(x.translate(x.ctx, a, false, &r), VRS_XLATE_UNMAPPED);
	vrs_dma_unmap_single(&dma, a, 64, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
}

Test(encrypt, decrypt_and_encrypt_need_page_alignment, .init = vrs_test_setup,
     .fini = vrs_test_teardown)
{
	struct vrs_gmem *gm = vrs_test_gmem();
	vrs_gmem_set_default_private(gm, true);
	cr_assert_eq(vrs_set_memory_decrypted(gm, 0x2000, 2), 0);
	cr_assert_not(vrs_gmem_page_private(gm, 0x2000));
	cr_assert_not(vrs_gmem_page_private(gm, 0x3000));
	cr_assert(vrs_gmem_page_private(gm, 0x4000));
	cr_assert_eq(vrs_set_memory_encrypted(gm, 0x3000, 1), 0);
	cr_assert(vrs_gmem_page_private(gm, 0x3000));
	cr_assert_eq(vrs_set_memory_decrypted(gm, 0x2001, 1), -EINVAL);
	cr_assert_eq(vrs_set_memory_decrypted(gm, 0, 1), -EINVAL);
	cr_assert_eq(vrs_set_memory_decrypted(gm, 0x2000, 0), -EINVAL);
}
