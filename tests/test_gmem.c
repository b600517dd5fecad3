/* Guest memory: allocation, metadata, and a reset that leaves no trace. */
#include <criterion/criterion.h>
#include <string.h>

#include "testing.h"

TestSuite(gmem, .init = vrs_test_setup, .fini = vrs_test_teardown);

Test(gmem, gpa_zero_is_never_valid)
{
	struct vrs_gmem *gm = vrs_test_gmem();
	cr_assert_not(vrs_gmem_range_ok(gm, 0, 1));
	cr_assert_null(vrs_gmem_hva(gm, 0, 16));
	cr_assert(vrs_gmem_range_ok(gm, VRS_PAGE_SIZE, 16));
	cr_assert_not(vrs_gmem_range_ok(gm, vrs_gmem_size(gm) - 8, 16));
	cr_assert_null(vrs_gmem_hva(gm, vrs_gmem_size(gm), 1));
}

Test(gmem, create_rejects_bad_sizes)
{
	struct vrs_gmem *gm = NULL;
	cr_assert_eq(vrs_gmem_create(4096 * 3, &gm), -EINVAL);
	cr_assert_eq(vrs_gmem_create(4096 * 8 + 1, &gm), -EINVAL);
	cr_assert_null(gm);
}

Test(gmem, alloc_is_aligned_and_round_trips_gpa)
{
	struct vrs_gmem *gm = vrs_test_gmem();
	vrs_gpa_t a, b, c;
	cr_assert_eq(vrs_gmem_alloc(gm, 100, VRS_OWNER_BUFFER, &a), 0);
	cr_assert_eq(a % 128, 0);
	cr_assert_eq(vrs_gmem_alloc(gm, 8192, VRS_OWNER_RING, &b), 0);
	cr_assert_eq(b % VRS_PAGE_SIZE, 0);
	cr_assert_eq(vrs_gmem_owner(gm, b), VRS_OWNER_RING);
	cr_assert_eq(vrs_gmem_alloc(gm, 64, VRS_OWNER_BUFFER, &c), 0);
	cr_assert_neq(a, c);
	vrs_gpa_t back;
	void *p = vrs_gmem_hva(gm, b + 5, 10);
	cr_assert_eq(vrs_gmem_gpa(gm, p, 10, &back), 0);
	cr_assert_eq(back, b + 5);
	int host_var;
	cr_assert_eq(vrs_gmem_gpa(gm, &host_var, 4, &back), -EFAULT);
}

Test(gmem, freed_chunks_are_reused)
{
	struct vrs_gmem *gm = vrs_test_gmem();
	vrs_gpa_t a, b;
	cr_assert_eq(vrs_gmem_alloc(gm, 500, VRS_OWNER_BUFFER, &a), 0);
	cr_assert_eq(vrs_gmem_free(gm, a, 500), 0);
	cr_assert_eq(vrs_gmem_alloc(gm, 300, VRS_OWNER_BUFFER, &b), 0);
	cr_assert_eq(a, b);
	cr_assert_eq(vrs_gmem_free(gm, 0, 10), -EINVAL);
}

Test(gmem, exhaustion_is_an_error_not_a_crash)
{
	struct vrs_gmem *gm = vrs_test_gmem();
	vrs_gpa_t g;
	int rc = 0;
	for (int i = 0; i < 64 && rc == 0; i++)
		rc = vrs_gmem_alloc(gm, 1u << 20, VRS_OWNER_BUFFER, &g);
	cr_assert_eq(rc, -ENOMEM);
	cr_assert_eq(vrs_gmem_alloc(gm, (size_t)1 << 40, VRS_OWNER_BUFFER, &g),
		     -ENOMEM);
}

Test(gmem, private_default_and_flips)
{
	struct vrs_gmem *gm = vrs_test_gmem();
	vrs_gpa_t g;
	cr_assert_eq(vrs_gmem_alloc(gm, 2 * VRS_PAGE_SIZE, VRS_OWNER_BUFFER, &g), 0);
	cr_assert_not(vrs_gmem_page_private(gm, g));
	vrs_gmem_set_default_private(gm, true);
	cr_assert(vrs_gmem_page_private(gm, g));
	cr_assert_eq(vrs_gmem_set_private(gm, g, 1, false), 0);
	cr_assert_not(vrs_gmem_page_private(gm, g));
	cr_assert(vrs_gmem_page_private(gm, g + VRS_PAGE_SIZE));
	cr_assert(vrs_gmem_range_private(gm, g, 2 * VRS_PAGE_SIZE));
	cr_assert_not(vrs_gmem_range_private(gm, g, VRS_PAGE_SIZE));
	cr_assert_eq(vrs_gmem_set_private(gm, g + 1, 1, false), -EINVAL);
}

Test(gmem, reset_leaves_no_trace)
{
	struct vrs_gmem *gm = vrs_test_gmem();
	vrs_gpa_t g, r;
	cr_assert_eq(vrs_gmem_reserve(gm, 8 * VRS_PAGE_SIZE, &r), 0);
	cr_assert_eq(vrs_gmem_owner(gm, r), VRS_OWNER_SWIOTLB);
	cr_assert_eq(vrs_gmem_alloc(gm, 3 * VRS_PAGE_SIZE, VRS_OWNER_COHERENT, &g), 0);
	memset(vrs_gmem_hva(gm, g, 3 * VRS_PAGE_SIZE), 0xab, 3 * VRS_PAGE_SIZE);
	cr_assert_eq(vrs_gmem_set_private(gm, g, 2, true), 0);
	/* A device write into the reservation, as the bus would note it. */
	memset(vrs_gmem_hva(gm, r + 100, 10), 0xcd, 10);
	vrs_gmem_note_write(gm, r + 100, 10);
	cr_assert(vrs_gmem_page_dirty(gm, r));
	cr_assert_eq(vrs_gmem_set_owner(gm, r, 1, VRS_OWNER_BUFFER), 0);
	cr_assert_eq(vrs_gmem_check(gm), 0);

	vrs_gmem_reset(gm);
	cr_assert_eq(vrs_gmem_check(gm), 0);
	cr_assert_eq(vrs_gmem_dirty_pages(gm), 0);
	cr_assert_eq(vrs_gmem_allocated_bytes(gm), 0);
	const uint8_t *p = vrs_gmem_hva(gm, g, 3 * VRS_PAGE_SIZE);
	for (size_t i = 0; i < 3 * VRS_PAGE_SIZE; i++)
		cr_assert_eq(p[i], 0, "byte %zu survived reset", i);
	cr_assert_eq(*(uint8_t *)vrs_gmem_hva(gm, r + 100, 1), 0);
	cr_assert_not(vrs_gmem_page_private(gm, g));
	cr_assert_eq(vrs_gmem_owner(gm, g), VRS_OWNER_FREE);
	cr_assert_eq(vrs_gmem_owner(gm, r), VRS_OWNER_SWIOTLB, "reservation is kept");
	/* The allocator starts over: the same first chunk comes back. */
	vrs_gpa_t g2;
	cr_assert_eq(vrs_gmem_alloc(gm, 3 * VRS_PAGE_SIZE, VRS_OWNER_COHERENT, &g2), 0);
	cr_assert_eq(g2, g);
	/* No reservation once allocation started. */
	cr_assert_eq(vrs_gmem_reserve(gm, VRS_PAGE_SIZE, &r), -EBUSY);
}
