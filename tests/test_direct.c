/* dma-direct and the encryption helpers. */
#include <criterion/criterion.h>
#include <string.h>

#include "dma/direct.h"
#include "dma/encrypt.h"
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
