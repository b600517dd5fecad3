/* dma-debug: every finding fires on a broken call sequence and stays quiet on
 * a correct one; the backend only sees what it issued. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dma/debug.h"
#include "dma/fault.h"
#include "ident_dma.h"
#include "testing.h"

/* ---- fixture ------------------------------------------------------------ */

static struct vrs_test_ident id;
static struct vrs_dma inner;
static struct vrs_dma_debug *dbg;
static struct vrs_dma d; /* the debug instance, as a driver sees it */

static void make(size_t max_entries)
{
	vrs_test_ident_init(&id, vrs_test_gmem(), &inner);
	cr_assert_eq(vrs_dma_debug_create(&inner, max_entries, &dbg), 0);
	vrs_dma_debug_dma(dbg, &d);
}

static void setup(void)
{
	vrs_test_setup();
	make(64);
}

static void teardown(void)
{
	cr_assert_eq(vrs_dma_debug_check(dbg), 0);
	vrs_dma_debug_destroy(dbg);
	dbg = NULL;
	vrs_test_teardown();
}

TestSuite(dma_debug, .init = setup, .fini = teardown);

static void *buf(size_t size)
{
	vrs_gpa_t gpa;
	cr_assert_eq(vrs_gmem_alloc(id.gm, size, VRS_OWNER_BUFFER, &gpa), 0);
	return vrs_gmem_hva(id.gm, gpa, size);
}

/* Map and check the error, as a correct driver does. */
static vrs_dma_addr_t map_ok(void *p, size_t size, enum vrs_dma_dir dir,
			     bool page)
{
	vrs_dma_addr_t a;
	int rc = page ? vrs_dma_map_page(&d, p, size, dir, &a)
		      : vrs_dma_map_single(&d, p, size, dir, &a);
	cr_assert_eq(rc, 0);
	cr_assert_not(vrs_dma_mapping_error(&d, a));
	return a;
}

/* Exactly one finding in total, and it is of this kind. */
static void assert_only(enum vrs_finding kind)
{
	cr_assert_eq(vrs_report_count(kind), 1, "%s fired %u times",
		     vrs_finding_name(kind), vrs_report_count(kind));
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 1,
		     "other findings fired: %u in total",
		     vrs_report_count(VRS_FIND_COUNT));
}

static void assert_quiet(void)
{
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0,
		     "unexpected finding");
}

/* ---- correct use ------------------------------------------------------- */

Test(dma_debug, correct_sequence_is_quiet)
{
	void *a = buf(256), *b = buf(4096);
	vrs_dma_addr_t x = map_ok(a, 256, VRS_DMA_TO_DEVICE, false);
	vrs_dma_addr_t y = map_ok(b, 4096, VRS_DMA_FROM_DEVICE, true);
	vrs_gpa_t gpa;
	cr_assert_eq(vrs_gmem_gpa(id.gm, a, 256, &gpa), 0);
	cr_assert_eq(x, gpa);
	cr_assert_eq(vrs_dma_debug_live(dbg), 2);

	vrs_dma_sync_for_device(&d, x, 0, 256, VRS_DMA_TO_DEVICE);
	vrs_dma_sync_for_cpu(&d, y, 1024, 3072, VRS_DMA_FROM_DEVICE);
	vrs_dma_sync_for_device(&d, y, 0, 4096, VRS_DMA_FROM_DEVICE);
	/* Linux allows a TO_DEVICE sync for the cpu of a TO_DEVICE mapping. */
	vrs_dma_sync_for_cpu(&d, x, 0, 0, VRS_DMA_TO_DEVICE);
	vrs_dma_unmap_single(&d, x, 256, VRS_DMA_TO_DEVICE);
	vrs_dma_unmap_page(&d, y, 4096, VRS_DMA_FROM_DEVICE);

	void *cpu;
	vrs_dma_addr_t c;
	cr_assert_eq(vrs_dma_alloc_coherent(&d, 512, &cpu, &c), 0);
	cr_assert_eq(vrs_dma_debug_live(dbg), 1);
	vrs_dma_free_coherent(&d, 512, cpu, c);

	assert_quiet();
	cr_assert_eq(vrs_dma_debug_check_leaks(dbg), 0);
	cr_assert_eq(vrs_dma_debug_live(dbg), 0);
	cr_assert_eq(id.maps, 2);
	cr_assert_eq(id.unmaps, 2);
	cr_assert_eq(id.syncs_cpu, 2);
	cr_assert_eq(id.syncs_dev, 2);
	cr_assert_eq(id.allocs, 1);
	cr_assert_eq(id.frees, 1);
	cr_assert_eq(vrs_dma_max_mapping_size(&d), 1u << 20);
}

Test(dma_debug, bidirectional_mapping_syncs_any_way)
{
	void *a = buf(128);
	vrs_dma_addr_t x = map_ok(a, 128, VRS_DMA_BIDIRECTIONAL, false);
	vrs_dma_sync_for_cpu(&d, x, 0, 128, VRS_DMA_TO_DEVICE);
	vrs_dma_sync_for_cpu(&d, x, 0, 128, VRS_DMA_FROM_DEVICE);
	vrs_dma_sync_for_device(&d, x, 64, 64, VRS_DMA_BIDIRECTIONAL);
	vrs_dma_sync_for_device(&d, x, 0, 128, VRS_DMA_FROM_DEVICE);
	vrs_dma_unmap_single(&d, x, 128, VRS_DMA_BIDIRECTIONAL);
	assert_quiet();
	cr_assert_eq(id.syncs_cpu + id.syncs_dev, 4);
}

/* ---- invalid direction ------------------------------------------------- */

Test(dma_debug, bad_dir_on_map_fails_before_backend)
{
	void *a = buf(64);
	vrs_dma_addr_t x = 0;
	cr_assert_eq(vrs_dma_map_single(&d, a, 64, VRS_DMA_NONE, &x), -EINVAL);
	cr_assert_eq(x, VRS_DMA_MAPPING_ERROR);
	assert_only(VRS_FIND_DEBUG_BAD_DIR);
	cr_assert_eq(vrs_dma_map_page(&d, a, 64, (enum vrs_dma_dir)7, &x),
		     -EINVAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DEBUG_BAD_DIR), 2);
	cr_assert_eq(id.maps, 0);
	cr_assert_eq(vrs_dma_debug_live(dbg), 0);
	cr_assert(vrs_dma_mapping_error(&d, x));
}

Test(dma_debug, bad_dir_on_sync_is_not_passed_on)
{
	void *a = buf(64);
	vrs_dma_addr_t x = map_ok(a, 64, VRS_DMA_TO_DEVICE, false);
	vrs_dma_sync_for_device(&d, x, 0, 64, VRS_DMA_NONE);
	assert_only(VRS_FIND_DEBUG_BAD_DIR);
	cr_assert_eq(id.syncs_dev, 0);
	vrs_dma_unmap_single(&d, x, 64, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 1);
}

Test(dma_debug, map_with_coherent_kind_is_wrong_function)
{
	void *a = buf(64);
	vrs_dma_addr_t x;
	cr_assert_eq(d.ops->map(d.ctx, a, 64, VRS_DMA_TO_DEVICE,
				VRS_DMA_KIND_COHERENT, &x),
		     -EINVAL);
	assert_only(VRS_FIND_DEBUG_WRONG_FUNCTION);
	cr_assert_eq(id.maps, 0);
}

/* ---- unmap checks ------------------------------------------------------ */

Test(dma_debug, unmap_unknown_is_not_passed_on)
{
	void *a = buf(64);
	vrs_gpa_t gpa;
	cr_assert_eq(vrs_gmem_gpa(id.gm, a, 64, &gpa), 0);
	vrs_dma_unmap_single(&d, gpa, 64, VRS_DMA_TO_DEVICE);
	assert_only(VRS_FIND_DEBUG_UNMAP_UNKNOWN);
	cr_assert_eq(id.unmaps, 0);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEBUG_UNMAP_UNKNOWN),
			 "dma_unmap_single"));
}

Test(dma_debug, double_unmap_is_unknown)
{
	void *a = buf(64);
	vrs_dma_addr_t x = map_ok(a, 64, VRS_DMA_TO_DEVICE, false);
	vrs_dma_unmap_single(&d, x, 64, VRS_DMA_TO_DEVICE);
	assert_quiet();
	vrs_dma_unmap_single(&d, x, 64, VRS_DMA_TO_DEVICE);
	assert_only(VRS_FIND_DEBUG_UNMAP_UNKNOWN);
	cr_assert_eq(id.unmaps, 1);
}

Test(dma_debug, wrong_size_passes_original_size)
{
	void *a = buf(256);
	vrs_dma_addr_t x = map_ok(a, 256, VRS_DMA_TO_DEVICE, false);
	vrs_dma_unmap_single(&d, x, 128, VRS_DMA_TO_DEVICE);
	assert_only(VRS_FIND_DEBUG_WRONG_SIZE);
	cr_assert_eq(id.unmaps, 1);
	cr_assert_eq(id.last_size, 256);
	cr_assert_eq(vrs_dma_debug_live(dbg), 0);
	const char *m = vrs_report_last(VRS_FIND_DEBUG_WRONG_SIZE);
	cr_assert(strstr(m, "size=256") && strstr(m, "size=128"), "%s", m);
}

Test(dma_debug, wrong_dir_passes_original_dir)
{
	void *a = buf(256);
	vrs_dma_addr_t x = map_ok(a, 256, VRS_DMA_TO_DEVICE, true);
	vrs_dma_unmap_page(&d, x, 256, VRS_DMA_FROM_DEVICE);
	assert_only(VRS_FIND_DEBUG_WRONG_DIR);
	cr_assert_eq(id.last_dir, VRS_DMA_TO_DEVICE);
	const char *m = vrs_report_last(VRS_FIND_DEBUG_WRONG_DIR);
	cr_assert(strstr(m, "TO_DEVICE") && strstr(m, "FROM_DEVICE"), "%s", m);
}

Test(dma_debug, wrong_function_page_vs_single)
{
	void *a = buf(256);
	vrs_dma_addr_t x = map_ok(a, 256, VRS_DMA_TO_DEVICE, true);
	vrs_dma_unmap_single(&d, x, 256, VRS_DMA_TO_DEVICE);
	assert_only(VRS_FIND_DEBUG_WRONG_FUNCTION);
	cr_assert_eq(id.last_kind, VRS_DMA_KIND_PAGE);
	const char *m = vrs_report_last(VRS_FIND_DEBUG_WRONG_FUNCTION);
	cr_assert(strstr(m, "dma_map_page") && strstr(m, "dma_unmap_single"),
		  "%s", m);
}

Test(dma_debug, unmap_of_coherent_is_wrong_function_and_freed)
{
	void *cpu;
	vrs_dma_addr_t c;
	cr_assert_eq(vrs_dma_alloc_coherent(&d, 512, &cpu, &c), 0);
	size_t before = vrs_gmem_allocated_bytes(id.gm);
	vrs_dma_unmap_single(&d, c, 512, VRS_DMA_BIDIRECTIONAL);
	assert_only(VRS_FIND_DEBUG_WRONG_FUNCTION);
	/* The backend saw a consistent free of what it allocated. */
	cr_assert_eq(id.unmaps, 0);
	cr_assert_eq(id.frees, 1);
	cr_assert_eq(id.last_cpu, cpu);
	cr_assert_eq(vrs_gmem_allocated_bytes(id.gm), before - 512);
	cr_assert_eq(vrs_dma_debug_live(dbg), 0);
}

Test(dma_debug, free_coherent_of_streaming_is_wrong_function)
{
	void *a = buf(256);
	vrs_dma_addr_t x = map_ok(a, 256, VRS_DMA_TO_DEVICE, false);
	vrs_dma_free_coherent(&d, 256, a, x);
	assert_only(VRS_FIND_DEBUG_WRONG_FUNCTION);
	cr_assert_eq(id.frees, 0);
	cr_assert_eq(id.unmaps, 1);
	cr_assert_eq(id.last_dir, VRS_DMA_TO_DEVICE);
	cr_assert_eq(id.last_kind, VRS_DMA_KIND_SINGLE);
}

Test(dma_debug, unchecked_mapping_error)
{
	void *a = buf(64);
	vrs_dma_addr_t x;
	cr_assert_eq(vrs_dma_map_single(&d, a, 64, VRS_DMA_TO_DEVICE, &x), 0);
	vrs_dma_unmap_single(&d, x, 64, VRS_DMA_TO_DEVICE);
	assert_only(VRS_FIND_DEBUG_UNCHECKED_ERROR);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEBUG_UNCHECKED_ERROR),
			 "failed to check map error"));
	cr_assert_eq(id.unmaps, 1);
}

Test(dma_debug, every_mistake_reported_separately)
{
	void *a = buf(256);
	vrs_dma_addr_t x;
	cr_assert_eq(vrs_dma_map_page(&d, a, 256, VRS_DMA_TO_DEVICE, &x), 0);
	vrs_dma_unmap_single(&d, x, 64, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_DEBUG_WRONG_SIZE), 1);
	cr_assert_eq(vrs_report_count(VRS_FIND_DEBUG_WRONG_DIR), 1);
	cr_assert_eq(vrs_report_count(VRS_FIND_DEBUG_WRONG_FUNCTION), 1);
	cr_assert_eq(vrs_report_count(VRS_FIND_DEBUG_UNCHECKED_ERROR), 1);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 4);
	cr_assert_eq(id.last_size, 256);
	cr_assert_eq(id.last_dir, VRS_DMA_TO_DEVICE);
	cr_assert_eq(id.last_kind, VRS_DMA_KIND_PAGE);
}

/* ---- sync checks ------------------------------------------------------- */

Test(dma_debug, sync_unmapped_is_not_passed_on)
{
	void *a = buf(64);
	vrs_dma_addr_t x = map_ok(a, 64, VRS_DMA_FROM_DEVICE, false);
	vrs_dma_unmap_single(&d, x, 64, VRS_DMA_FROM_DEVICE);
	vrs_dma_sync_for_cpu(&d, x, 0, 64, VRS_DMA_FROM_DEVICE);
	assert_only(VRS_FIND_DEBUG_SYNC_UNMAPPED);
	vrs_dma_sync_for_device(&d, x + 8, 0, 8, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_DEBUG_SYNC_UNMAPPED), 2);
	cr_assert_eq(id.syncs_cpu + id.syncs_dev, 0);
}

Test(dma_debug, sync_out_of_range_is_not_passed_on)
{
	void *a = buf(256);
	vrs_dma_addr_t x = map_ok(a, 256, VRS_DMA_FROM_DEVICE, false);
	vrs_dma_sync_for_cpu(&d, x, 0, 256, VRS_DMA_FROM_DEVICE); /* edge: ok */
	vrs_dma_sync_for_cpu(&d, x, 200, 57, VRS_DMA_FROM_DEVICE);
	assert_only(VRS_FIND_DEBUG_SYNC_RANGE);
	/* offset + size would wrap: still out of range, never UB */
	vrs_dma_sync_for_cpu(&d, x, 16, SIZE_MAX, VRS_DMA_FROM_DEVICE);
	vrs_dma_sync_for_device(&d, x, SIZE_MAX, 2, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_DEBUG_SYNC_RANGE), 3);
	cr_assert_eq(id.syncs_cpu, 1);
	cr_assert_eq(id.syncs_dev, 0);
	const char *m = vrs_report_last(VRS_FIND_DEBUG_SYNC_RANGE);
	cr_assert(strstr(m, "size=256"), "%s", m);
	vrs_dma_unmap_single(&d, x, 256, VRS_DMA_FROM_DEVICE);
}

Test(dma_debug, sync_to_device_mapping_for_cpu_is_wrong_dir)
{
	void *a = buf(64);
	vrs_dma_addr_t x = map_ok(a, 64, VRS_DMA_TO_DEVICE, false);
	vrs_dma_sync_for_cpu(&d, x, 0, 64, VRS_DMA_FROM_DEVICE);
	assert_only(VRS_FIND_DEBUG_SYNC_WRONG_DIR);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEBUG_SYNC_WRONG_DIR),
			 "read-only DMA memory for cpu"));
	cr_assert_eq(id.syncs_cpu, 1); /* a valid range: still synced */
	vrs_dma_unmap_single(&d, x, 64, VRS_DMA_TO_DEVICE);
}

Test(dma_debug, sync_from_device_mapping_to_device_is_wrong_dir)
{
	void *a = buf(64);
	vrs_dma_addr_t x = map_ok(a, 64, VRS_DMA_FROM_DEVICE, true);
	vrs_dma_sync_for_device(&d, x, 0, 64, VRS_DMA_TO_DEVICE);
	assert_only(VRS_FIND_DEBUG_SYNC_WRONG_DIR);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEBUG_SYNC_WRONG_DIR),
			 "write-only DMA memory to device"));
	vrs_dma_sync_for_device(&d, x, 0, 64, VRS_DMA_BIDIRECTIONAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DEBUG_SYNC_WRONG_DIR), 2);
	/* Plain direction mismatch without the read/write-only case. */
	vrs_dma_sync_for_cpu(&d, x, 0, 64, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_DEBUG_SYNC_WRONG_DIR), 3);
	cr_assert_null(strstr(vrs_report_last(VRS_FIND_DEBUG_SYNC_WRONG_DIR),
			      "only"));
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 3);
	vrs_dma_unmap_page(&d, x, 64, VRS_DMA_FROM_DEVICE);
}

Test(dma_debug, streaming_sync_of_coherent_is_wrong_function)
{
	void *cpu;
	vrs_dma_addr_t c;
	cr_assert_eq(vrs_dma_alloc_coherent(&d, 256, &cpu, &c), 0);
	vrs_dma_sync_for_cpu(&d, c, 0, 256, VRS_DMA_BIDIRECTIONAL);
	assert_only(VRS_FIND_DEBUG_WRONG_FUNCTION);
	cr_assert_eq(id.syncs_cpu, 0);
	vrs_dma_free_coherent(&d, 256, cpu, c);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 1);
}

/* ---- coherent ------------------------------------------------------------ */

Test(dma_debug, free_coherent_unknown_is_not_passed_on)
{
	void *cpu;
	vrs_dma_addr_t c;
	cr_assert_eq(vrs_dma_alloc_coherent(&d, 256, &cpu, &c), 0);
	vrs_dma_free_coherent(&d, 256, cpu, c);
	vrs_dma_free_coherent(&d, 256, cpu, c); /* double free */
	assert_only(VRS_FIND_DEBUG_UNMAP_UNKNOWN);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEBUG_UNMAP_UNKNOWN),
			 "dma_free_coherent"));
	cr_assert_eq(id.frees, 1);
}

Test(dma_debug, free_coherent_wrong_size)
{
	void *cpu;
	vrs_dma_addr_t c;
	cr_assert_eq(vrs_dma_alloc_coherent(&d, 256, &cpu, &c), 0);
	vrs_dma_free_coherent(&d, 4096, cpu, c);
	assert_only(VRS_FIND_DEBUG_WRONG_SIZE);
	cr_assert_eq(id.frees, 1);
	cr_assert_eq(id.last_size, 256); /* the backend frees what it gave */
}

Test(dma_debug, free_coherent_wrong_cpu_address)
{
	void *cpu;
	vrs_dma_addr_t c;
	cr_assert_eq(vrs_dma_alloc_coherent(&d, 256, &cpu, &c), 0);
	vrs_dma_free_coherent(&d, 256, (char *)cpu + 64, c);
	assert_only(VRS_FIND_DEBUG_UNMAP_UNKNOWN);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEBUG_UNMAP_UNKNOWN),
			 "different CPU address"));
	cr_assert_eq(id.frees, 1);
	cr_assert_eq(id.last_cpu, cpu);
}

/* ---- failed maps, leaks, capacity, duplicates, reset ------------------- */

Test(dma_debug, failed_map_tracks_nothing)
{
	static char outside[64]; /* not guest memory: the backend refuses */
	vrs_dma_addr_t x = 0;
	cr_assert_lt(vrs_dma_map_single(&d, outside, 64, VRS_DMA_TO_DEVICE, &x),
		     0);
	cr_assert_eq(id.maps, 1);
	cr_assert(vrs_dma_mapping_error(&d, x));
	cr_assert_eq(vrs_dma_debug_live(dbg), 0);
	assert_quiet();
}

Test(dma_debug, leaks_list_each_live_mapping)
{
	void *a = buf(64), *b = buf(128), *c = buf(4096);
	vrs_dma_addr_t xa = map_ok(a, 64, VRS_DMA_TO_DEVICE, false);
	vrs_dma_addr_t xb = map_ok(b, 128, VRS_DMA_FROM_DEVICE, false);
	vrs_dma_addr_t xc = map_ok(c, 4096, VRS_DMA_BIDIRECTIONAL, true);
	vrs_dma_unmap_single(&d, xa, 64, VRS_DMA_TO_DEVICE);
	assert_quiet();

	cr_assert_eq(vrs_dma_debug_check_leaks(dbg), 2);
	cr_assert_eq(vrs_report_count(VRS_FIND_DEBUG_LEAK), 2);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 2);
	char want[64];
	snprintf(want, sizeof(want), "0x%llx", (unsigned long long)xc);
	const char *m = vrs_report_last(VRS_FIND_DEBUG_LEAK);
	cr_assert(strstr(m, want) && strstr(m, "size=4096") &&
			  strstr(m, "BIDIRECTIONAL") && strstr(m, "dma_map_page"),
		  "%s", m);
	/* Entries stay: a second check finds the same. */
	cr_assert_eq(vrs_dma_debug_live(dbg), 2);
	cr_assert_eq(vrs_dma_debug_check_leaks(dbg), 2);
	vrs_dma_unmap_single(&d, xb, 128, VRS_DMA_FROM_DEVICE);
	vrs_dma_unmap_page(&d, xc, 4096, VRS_DMA_BIDIRECTIONAL);
	vrs_report_clear();
	cr_assert_eq(vrs_dma_debug_check_leaks(dbg), 0);
	assert_quiet();
}

Test(dma_debug, leaked_coherent_is_reported)
{
	void *cpu;
	vrs_dma_addr_t c;
	cr_assert_eq(vrs_dma_alloc_coherent(&d, 256, &cpu, &c), 0);
	cr_assert_eq(vrs_dma_debug_check_leaks(dbg), 1);
	assert_only(VRS_FIND_DEBUG_LEAK);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEBUG_LEAK),
			 "dma_alloc_coherent"));
}

Test(dma_debug, out_of_entries_reports_once_then_passes_through)
{
	vrs_dma_debug_destroy(dbg);
	make(2);
	void *a = buf(64), *b = buf(64), *c = buf(64), *e = buf(64);
	vrs_dma_addr_t xa = map_ok(a, 64, VRS_DMA_TO_DEVICE, false);
	vrs_dma_addr_t xb = map_ok(b, 64, VRS_DMA_TO_DEVICE, false);
	assert_quiet();
	vrs_dma_addr_t xc = map_ok(c, 64, VRS_DMA_TO_DEVICE, false);
	assert_only(VRS_FIND_DMA_MISUSE);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DMA_MISUSE),
			 "out of entries"));
	vrs_dma_addr_t xe = map_ok(e, 64, VRS_DMA_TO_DEVICE, false);
	cr_assert_eq(id.maps, 4);
	/* Tracking is off: nothing more is checked, everything reaches the
	 * backend, even a wrong size. */
	vrs_dma_unmap_single(&d, xc, 64, VRS_DMA_TO_DEVICE);
	vrs_dma_unmap_single(&d, xe, 64, VRS_DMA_TO_DEVICE);
	vrs_dma_unmap_single(&d, xa, 32, VRS_DMA_TO_DEVICE);
	vrs_dma_unmap_single(&d, xb, 64, VRS_DMA_TO_DEVICE);
	vrs_dma_sync_for_cpu(&d, xb, 0, 64, VRS_DMA_TO_DEVICE);
	cr_assert_eq(id.unmaps, 4);
	cr_assert_eq(id.last_size, 64);
	cr_assert_eq(id.syncs_cpu, 1);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 1);

	/* Reset re-enables tracking. */
	vrs_dma_debug_reset(dbg, &inner);
	vrs_report_clear();
	cr_assert_eq(vrs_dma_debug_live(dbg), 0);
	xa = map_ok(a, 64, VRS_DMA_TO_DEVICE, false);
	vrs_dma_unmap_single(&d, xa, 32, VRS_DMA_TO_DEVICE);
	assert_only(VRS_FIND_DEBUG_WRONG_SIZE);
}

Test(dma_debug, same_buffer_mapped_twice)
{
	void *a = buf(256);
	vrs_dma_addr_t x1 = map_ok(a, 256, VRS_DMA_TO_DEVICE, false);
	vrs_dma_addr_t x2 = map_ok(a, 128, VRS_DMA_FROM_DEVICE, true);
	cr_assert_eq(x1, x2); /* identity backend: one bus address */
	cr_assert_eq(vrs_dma_debug_live(dbg), 2);
	/* Each call finds its own entry, not merely the newest at that
	 * address: release the older mapping first. */
	vrs_dma_sync_for_cpu(&d, x2, 0, 128, VRS_DMA_FROM_DEVICE);
	vrs_dma_sync_for_device(&d, x1, 0, 256, VRS_DMA_TO_DEVICE);
	vrs_dma_unmap_single(&d, x1, 256, VRS_DMA_TO_DEVICE);
	cr_assert_eq(id.last_kind, VRS_DMA_KIND_SINGLE);
	cr_assert_eq(id.last_size, 256);
	vrs_dma_unmap_page(&d, x2, 128, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(id.last_kind, VRS_DMA_KIND_PAGE);
	cr_assert_eq(id.last_size, 128);
	assert_quiet();
	cr_assert_eq(vrs_dma_debug_live(dbg), 0);
}

Test(dma_debug, same_buffer_mapped_twice_needs_two_checks)
{
	void *a = buf(64);
	vrs_dma_addr_t x1, x2;
	cr_assert_eq(vrs_dma_map_single(&d, a, 64, VRS_DMA_TO_DEVICE, &x1), 0);
	cr_assert_eq(vrs_dma_map_single(&d, a, 64, VRS_DMA_TO_DEVICE, &x2), 0);
	cr_assert_not(vrs_dma_mapping_error(&d, x1)); /* checks one only */
	vrs_dma_unmap_single(&d, x1, 64, VRS_DMA_TO_DEVICE);
	vrs_dma_unmap_single(&d, x2, 64, VRS_DMA_TO_DEVICE);
	assert_only(VRS_FIND_DEBUG_UNCHECKED_ERROR);
	cr_assert_eq(id.unmaps, 2);
}

Test(dma_debug, reset_forgets_without_reports)
{
	void *a = buf(64);
	vrs_dma_addr_t x = map_ok(a, 64, VRS_DMA_TO_DEVICE, false);
	void *cpu;
	vrs_dma_addr_t c;
	cr_assert_eq(vrs_dma_alloc_coherent(&d, 256, &cpu, &c), 0);
	vrs_dma_debug_reset(dbg, &inner);
	assert_quiet();
	cr_assert_eq(vrs_dma_debug_live(dbg), 0);
	cr_assert_eq(vrs_dma_debug_check(dbg), 0);
	cr_assert_eq(vrs_dma_debug_check_leaks(dbg), 0);
	vrs_dma_unmap_single(&d, x, 64, VRS_DMA_TO_DEVICE);
	assert_only(VRS_FIND_DEBUG_UNMAP_UNKNOWN);
	/* A fresh table works as before. */
	x = map_ok(a, 64, VRS_DMA_TO_DEVICE, false);
	vrs_dma_unmap_single(&d, x, 64, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 1);
}

Test(dma_debug, many_mappings_keep_the_table_consistent)
{
	vrs_dma_debug_destroy(dbg);
	make(512);
	enum { N = 500 };
	static vrs_dma_addr_t x[N];
	char *base = buf(N * 64);
	for (unsigned i = 0; i < N; i++)
		x[i] = map_ok(base + i * 64, 64, (enum vrs_dma_dir)(i % 3),
			      i & 1);
	cr_assert_eq(vrs_dma_debug_live(dbg), N);
	cr_assert_eq(vrs_dma_debug_check(dbg), 0);
	/* Release odd ones backwards, then even ones forwards. */
	for (unsigned i = N; i-- > 0;)
		if (i & 1)
			vrs_dma_unmap_page(&d, x[i], 64, (enum vrs_dma_dir)(i % 3));
	cr_assert_eq(vrs_dma_debug_check(dbg), 0);
	for (unsigned i = 0; i < N; i += 2)
		vrs_dma_unmap_single(&d, x[i], 64, (enum vrs_dma_dir)(i % 3));
	assert_quiet();
	cr_assert_eq(vrs_dma_debug_live(dbg), 0);
	cr_assert_eq(id.unmaps, N);
	cr_assert_eq(vrs_dma_debug_check(dbg), 0);
}

Test(dma_debug, create_rejects_bad_arguments)
{
	struct vrs_dma_debug *other = (void *)1;
	cr_assert_eq(vrs_dma_debug_create(&inner, 0, &other), -EINVAL);
	cr_assert_null(other);
	cr_assert_eq(vrs_dma_debug_create(NULL, 4, &other), -EINVAL);
	cr_assert_eq(vrs_dma_debug_check(NULL), -EINVAL);
}

/* ---- debug over fault injection -------------------------------------- */

Test(dma_debug, over_fault_failed_map_tracks_nothing)
{
	struct vrs_dma_fault f;
	struct vrs_dma fd;
	vrs_dma_fault_init(&f, &inner, 1, false);
	vrs_dma_fault_dma(&f, &fd);
	vrs_dma_debug_reset(dbg, &fd);

	void *a = buf(64);
	vrs_dma_addr_t x = 0;
	cr_assert_eq(vrs_dma_map_single(&d, a, 64, VRS_DMA_TO_DEVICE, &x),
		     -ENOMEM);
	cr_assert_eq(x, VRS_DMA_MAPPING_ERROR);
	cr_assert_eq(f.injected, 1);
	cr_assert_eq(id.maps, 0);
	cr_assert_eq(vrs_dma_debug_live(dbg), 0);
	cr_assert(vrs_dma_mapping_error(&d, x));
	/* The buggy driver unmaps the error address anyway. */
	vrs_dma_unmap_single(&d, x, 64, VRS_DMA_TO_DEVICE);
	assert_only(VRS_FIND_DEBUG_UNMAP_UNKNOWN);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEBUG_UNMAP_UNKNOWN),
			 "failed mapping"));
	cr_assert_eq(id.unmaps, 0);
	/* The next map goes through and is tracked. */
	x = map_ok(a, 64, VRS_DMA_TO_DEVICE, false);
	cr_assert_eq(vrs_dma_debug_live(dbg), 1);
	vrs_dma_unmap_single(&d, x, 64, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 1);
}

Test(dma_debug, over_fault_failed_alloc_tracks_nothing)
{
	struct vrs_dma_fault f;
	struct vrs_dma fd;
	vrs_dma_fault_init(&f, &inner, 1, false);
	vrs_dma_fault_dma(&f, &fd);
	vrs_dma_debug_reset(dbg, &fd);
	void *cpu = (void *)1;
	vrs_dma_addr_t c = 0;
	cr_assert_eq(vrs_dma_alloc_coherent(&d, 256, &cpu, &c), -ENOMEM);
	cr_assert_null(cpu);
	cr_assert_eq(vrs_dma_debug_live(dbg), 0);
	assert_quiet();
}
