/* Fault injection: the Nth map or coherent allocation fails, counted
 * together from 1, deterministically; everything else passes through. */
#include <criterion/criterion.h>

#include "dma/fault.h"
#include "ident_dma.h"
#include "testing.h"

/* ---- fixture ------------------------------------------------------------ */

static struct vrs_test_ident id;
static struct vrs_dma inner;
static struct vrs_dma_fault f;
static struct vrs_dma d; /* the fault wrapper, as a driver sees it */

static void arm(uint32_t nth, bool persistent)
{
	vrs_test_ident_init(&id, vrs_test_gmem(), &inner);
	id.max_mapping = 12345;
	vrs_dma_fault_init(&f, &inner, nth, persistent);
	vrs_dma_fault_dma(&f, &d);
}

TestSuite(dma_fault, .init = vrs_test_setup, .fini = vrs_test_teardown);

static void *buf(size_t size)
{
	vrs_gpa_t gpa;
	cr_assert_eq(vrs_gmem_alloc(id.gm, size, VRS_OWNER_BUFFER, &gpa), 0);
	return vrs_gmem_hva(id.gm, gpa, size);
}

/* One map; true when it succeeded with the identity address. */
static bool map_one(void *p)
{
	vrs_dma_addr_t x = 0;
	int rc = vrs_dma_map_single(&d, p, 64, VRS_DMA_TO_DEVICE, &x);
	if (rc == 0) {
		vrs_gpa_t gpa;
		cr_assert_eq(vrs_gmem_gpa(id.gm, p, 64, &gpa), 0);
		cr_assert_eq(x, gpa);
		cr_assert_not(vrs_dma_mapping_error(&d, x));
		vrs_dma_unmap_single(&d, x, 64, VRS_DMA_TO_DEVICE);
		return true;
	}
	cr_assert_eq(rc, -ENOMEM);
	cr_assert_eq(x, VRS_DMA_MAPPING_ERROR);
	cr_assert(vrs_dma_mapping_error(&d, x));
	return false;
}

/* One coherent allocation; true when it succeeded. */
static bool alloc_one(void)
{
	void *cpu = (void *)1;
	vrs_dma_addr_t c = 0;
	int rc = vrs_dma_alloc_coherent(&d, 128, &cpu, &c);
	if (rc == 0) {
		cr_assert_not_null(cpu);
		vrs_dma_free_coherent(&d, 128, cpu, c);
		return true;
	}
	cr_assert_eq(rc, -ENOMEM);
	cr_assert_null(cpu);
	cr_assert_eq(c, VRS_DMA_MAPPING_ERROR);
	return false;
}

Test(dma_fault, init_sets_fields)
{
	f.calls = 99;
	f.injected = 7;
	arm(5, true);
	cr_assert_eq(f.fail_nth, 5);
	cr_assert(f.persistent);
	cr_assert_eq(f.calls, 0);
	cr_assert_eq(f.injected, 0);
	cr_assert_eq(f.inner.ctx, &id);
	cr_assert_str_eq(d.ops->name, "dma-fault");
}

Test(dma_fault, fails_exactly_the_nth_map)
{
	arm(3, false);
	void *p = buf(64);
	cr_assert(map_one(p));	      /* 1 */
	cr_assert(alloc_one());	      /* 2 */
	cr_assert_not(map_one(p));    /* 3: injected */
	cr_assert(alloc_one());	      /* 4 */
	cr_assert(map_one(p));	      /* 5 */
	cr_assert_eq(f.calls, 5);
	cr_assert_eq(f.injected, 1);
	cr_assert_eq(id.maps, 2);     /* the failed one never reached it */
	cr_assert_eq(id.allocs, 2);
	cr_assert_eq(id.unmaps, 2);
	cr_assert_eq(id.frees, 2);
}

Test(dma_fault, fails_exactly_the_nth_alloc)
{
	arm(2, false);
	void *p = buf(64);
	cr_assert(map_one(p));	  /* 1 */
	cr_assert_not(alloc_one()); /* 2: injected */
	cr_assert(alloc_one());	  /* 3 */
	cr_assert(map_one(p));	  /* 4 */
	cr_assert_eq(f.injected, 1);
	cr_assert_eq(id.allocs, 1);
	cr_assert_eq(id.maps, 2);
}

Test(dma_fault, first_call_can_fail)
{
	arm(1, false);
	cr_assert_not(alloc_one());
	cr_assert(alloc_one());
	cr_assert_eq(f.injected, 1);
}

Test(dma_fault, persistent_fails_every_later_call)
{
	arm(2, true);
	void *p = buf(64);
	cr_assert(map_one(p));	    /* 1 */
	cr_assert_not(map_one(p));  /* 2 */
	cr_assert_not(alloc_one()); /* 3 */
	cr_assert_not(map_one(p));  /* 4 */
	cr_assert_not(alloc_one()); /* 5 */
	cr_assert_eq(f.injected, 4);
	cr_assert_eq(f.calls, 5);
	cr_assert_eq(id.maps, 1);
	cr_assert_eq(id.allocs, 0);
}

Test(dma_fault, zero_never_fails)
{
	arm(0, true);
	void *p = buf(64);
	for (unsigned i = 0; i < 100; i++) {
		cr_assert(map_one(p));
		cr_assert(alloc_one());
	}
	cr_assert_eq(f.calls, 200);
	cr_assert_eq(f.injected, 0);
	cr_assert_eq(id.maps, 100);
	cr_assert_eq(id.allocs, 100);
}

Test(dma_fault, other_calls_pass_through_uncounted)
{
	arm(2, false);
	void *p = buf(256);
	vrs_dma_addr_t x;
	cr_assert_eq(vrs_dma_map_page(&d, p, 256, VRS_DMA_FROM_DEVICE, &x), 0);
	vrs_dma_sync_for_cpu(&d, x, 0, 256, VRS_DMA_FROM_DEVICE);
	vrs_dma_sync_for_device(&d, x, 0, 256, VRS_DMA_FROM_DEVICE);
	cr_assert_not(vrs_dma_mapping_error(&d, x));
	cr_assert_eq(vrs_dma_max_mapping_size(&d), 12345);
	vrs_dma_unmap_page(&d, x, 256, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(f.calls, 1);
	cr_assert_eq(id.syncs_cpu, 1);
	cr_assert_eq(id.syncs_dev, 1);
	cr_assert_eq(id.unmaps, 1);
	cr_assert_eq(id.errs, 1);
	/* The next map is still the 2nd counted call. */
	cr_assert_not(map_one(p));
	cr_assert_eq(f.injected, 1);
}

Test(dma_fault, failed_map_answers_mapping_error_without_backend_help)
{
	/* A backend whose mapping_error knows nothing of the error value:
	 * the wrapper still reports the failure it injected. */
	static struct vrs_dma_ops blind;
	blind = vrs_test_ident_ops;
	blind.mapping_error = NULL;
	arm(1, false);
	inner.ops = &blind;
	vrs_dma_fault_init(&f, &inner, 1, false);
	void *p = buf(64);
	vrs_dma_addr_t x = 0;
	cr_assert_eq(vrs_dma_map_single(&d, p, 64, VRS_DMA_BIDIRECTIONAL, &x),
		     -ENOMEM);
	cr_assert(vrs_dma_mapping_error(&d, x));
}
