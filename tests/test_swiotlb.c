/* SWIOTLB: slot allocation, alignment, copy semantics per direction, the
 * CVE-2022-0854 class, misuse reports and a randomized run against a
 * reference model. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dma/swiotlb.h"
#include "vrsim/guard.h"
#include "testing.h"

TestSuite(swiotlb, .init = vrs_test_setup, .fini = vrs_test_teardown);

#define SLOT VRS_SWIOTLB_SLOT_SIZE
#define SEG VRS_SWIOTLB_MAX_MAPPING

static struct vrs_swiotlb *sw;

/* Must run before any allocation: the pool is a boot-time reservation. */
static void make(size_t pool_bytes)
{
	cr_assert_eq(vrs_swiotlb_create(vrs_test_gmem(), pool_bytes, &sw), 0);
	cr_assert_eq(vrs_swiotlb_check(sw), 0);
}

static void done(void)
{
	cr_assert_eq(vrs_swiotlb_check(sw), 0);
	vrs_swiotlb_destroy(sw);
	sw = NULL;
}

static vrs_gpa_t kmalloc(size_t size)
{
	vrs_gpa_t g;
	cr_assert_eq(vrs_gmem_alloc(vrs_test_gmem(), size, VRS_OWNER_BUFFER, &g), 0);
	return g;
}

static uint8_t *hva(vrs_gpa_t gpa, size_t len)
{
	uint8_t *p = vrs_gmem_hva(vrs_test_gmem(), gpa, len);
	cr_assert_not_null(p);
	return p;
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static size_t seg_of(vrs_gpa_t tlb)
{
	return (size_t)((tlb - vrs_swiotlb_pool_start(sw)) / SEG);
}

Test(swiotlb, create_reserves_a_pool_that_survives_reset)
{
	struct vrs_gmem *gm = vrs_test_gmem();
	struct vrs_swiotlb *bad;
	cr_assert_eq(vrs_swiotlb_create(gm, SEG + SLOT, &bad), -EINVAL);
	cr_assert_eq(vrs_swiotlb_create(gm, 0, &bad), -EINVAL);
	make(4 * SEG);
	vrs_gpa_t start = vrs_swiotlb_pool_start(sw);
	cr_assert_eq(vrs_swiotlb_pool_size(sw), 4 * SEG);
	cr_assert_eq(start + 4 * SEG, vrs_gmem_size(gm));
	cr_assert_eq(vrs_gmem_owner(gm, start), VRS_OWNER_SWIOTLB);
	cr_assert(vrs_swiotlb_owns(sw, start));
	cr_assert(vrs_swiotlb_owns(sw, start + 4 * SEG - 1));
	cr_assert_not(vrs_swiotlb_owns(sw, start - 1));
	cr_assert_not(vrs_swiotlb_owns(sw, start + 4 * SEG));
	vrs_gmem_reset(gm);
	cr_assert_eq(vrs_gmem_owner(gm, start), VRS_OWNER_SWIOTLB);
	/* Nothing the allocator hands out lands in the pool. */
	vrs_gpa_t g;
	cr_assert_eq(vrs_gmem_alloc(gm, 8u << 20, VRS_OWNER_BUFFER, &g), 0);
	cr_assert(g + (8u << 20) <= start);
	done();
}

Test(swiotlb, to_device_data_reaches_the_slot_and_is_not_copied_back)
{
	make(SEG);
	vrs_gpa_t orig = kmalloc(1000), tlb;
	vrs_test_fill(hva(orig, 1000), 1000, 3);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 1000, VRS_DMA_TO_DEVICE, &tlb), 0);
	cr_assert(vrs_swiotlb_owns(sw, tlb));
	cr_assert(vrs_test_has_pattern(hva(tlb, 1000), 1000, 3));
	cr_assert(vrs_gmem_page_dirty(vrs_test_gmem(), tlb));
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 1);
	/* The CPU updates the buffer; sync_for_device carries it over. */
	vrs_test_fill(hva(orig, 1000), 1000, 9);
	cr_assert_eq(vrs_swiotlb_sync_for_device(sw, tlb, 1000, VRS_DMA_TO_DEVICE), 0);
	cr_assert(vrs_test_has_pattern(hva(tlb, 1000), 1000, 9));
	/* A device scribble on a TO_DEVICE slot never reaches the CPU. */
	memset(hva(tlb, 1000), 0xee, 1000);
	cr_assert_eq(vrs_swiotlb_sync_for_cpu(sw, tlb, 1000, VRS_DMA_TO_DEVICE), 0);
	cr_assert_eq(vrs_swiotlb_unmap(sw, tlb, 1000, VRS_DMA_TO_DEVICE), 0);
	cr_assert(vrs_test_has_pattern(hva(orig, 1000), 1000, 9));
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(swiotlb, from_device_data_reaches_the_original_at_sync_and_unmap)
{
	make(SEG);
	vrs_gpa_t orig = kmalloc(3000), tlb;
	memset(hva(orig, 3000), 0x11, 3000);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 3000, VRS_DMA_FROM_DEVICE, &tlb), 0);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 2);
	vrs_test_fill(hva(tlb, 3000), 3000, 5);
	cr_assert_eq(vrs_swiotlb_sync_for_cpu(sw, tlb, 3000, VRS_DMA_FROM_DEVICE), 0);
	cr_assert(vrs_test_has_pattern(hva(orig, 3000), 3000, 5));
	/* sync_for_device does not copy a FROM_DEVICE buffer out. */
	memset(hva(orig, 3000), 0x22, 3000);
	cr_assert_eq(vrs_swiotlb_sync_for_device(sw, tlb, 3000, VRS_DMA_FROM_DEVICE), 0);
	cr_assert(vrs_test_has_pattern(hva(tlb, 3000), 3000, 5));
	vrs_test_fill(hva(tlb, 3000), 3000, 6);
	cr_assert_eq(vrs_swiotlb_unmap(sw, tlb, 3000, VRS_DMA_FROM_DEVICE), 0);
	cr_assert(vrs_test_has_pattern(hva(orig, 3000), 3000, 6));
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(swiotlb, bidirectional_copies_both_ways)
{
	make(SEG);
	vrs_gpa_t orig = kmalloc(512), tlb;
	vrs_test_fill(hva(orig, 512), 512, 1);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 512, VRS_DMA_BIDIRECTIONAL, &tlb), 0);
	cr_assert(vrs_test_has_pattern(hva(tlb, 512), 512, 1));
	vrs_test_fill(hva(tlb, 512), 512, 2);
	cr_assert_eq(vrs_swiotlb_sync_for_cpu(sw, tlb, 512, VRS_DMA_BIDIRECTIONAL), 0);
	cr_assert(vrs_test_has_pattern(hva(orig, 512), 512, 2));
	vrs_test_fill(hva(orig, 512), 512, 3);
	cr_assert_eq(vrs_swiotlb_sync_for_device(sw, tlb, 512, VRS_DMA_BIDIRECTIONAL), 0);
	cr_assert(vrs_test_has_pattern(hva(tlb, 512), 512, 3));
	vrs_test_fill(hva(tlb, 512), 512, 4);
	cr_assert_eq(vrs_swiotlb_unmap(sw, tlb, 512, VRS_DMA_BIDIRECTIONAL), 0);
	cr_assert(vrs_test_has_pattern(hva(orig, 512), 512, 4));
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(swiotlb, bad_arguments_are_refused)
{
	make(SEG);
	vrs_gpa_t orig = kmalloc(64), tlb = 1;
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 0, VRS_DMA_TO_DEVICE, &tlb), -EINVAL);
	cr_assert_eq(tlb, 0);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 64, VRS_DMA_NONE, &tlb), -EINVAL);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 64, (enum vrs_dma_dir)7, &tlb), -EINVAL);
	cr_assert_eq(vrs_swiotlb_map(sw, 0, 64, VRS_DMA_TO_DEVICE, &tlb), -EINVAL);
	cr_assert_eq(vrs_swiotlb_map(sw, vrs_gmem_size(vrs_test_gmem()) - 32, 64,
				     VRS_DMA_TO_DEVICE, &tlb), -EINVAL);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);
	done();
}

/* CVE-2022-0854: a FROM_DEVICE bounce whose device writes only part of
 * the buffer must hand back the buffer's own bytes for the rest, never
 * what an earlier mapping left in the slot. */
Test(swiotlb, partial_from_device_write_never_leaks_a_previous_mapping)
{
	make(SEG);
	const size_t len = 4096;
	vrs_gpa_t first = kmalloc(len), second = kmalloc(len), t1, t2;
	cr_assert_eq(vrs_swiotlb_map(sw, first, len, VRS_DMA_FROM_DEVICE, &t1), 0);
	memset(hva(t1, len), 0x5e, len); /* the secret */
	cr_assert_eq(vrs_swiotlb_unmap(sw, t1, len, VRS_DMA_FROM_DEVICE), 0);
	cr_assert(all_bytes(hva(first, len), len, 0x5e));

	/* Fill the rest of the pool so that next-fit wraps around to exactly
	 * the slots that still hold the secret. */
	const size_t rest = (VRS_SWIOTLB_SEGMENT_SLOTS - 2) * SLOT;
	vrs_gpa_t filler = kmalloc(rest), tf;
	cr_assert_eq(vrs_swiotlb_map(sw, filler, rest, VRS_DMA_TO_DEVICE, &tf), 0);
	cr_assert_eq(tf, t1 + len);
	cr_assert(all_bytes(hva(t1, len), len, 0x5e));
	vrs_test_fill(hva(second, len), len, 77);
	cr_assert_eq(vrs_swiotlb_map(sw, second, len, VRS_DMA_FROM_DEVICE, &t2), 0);
	cr_assert_eq(t2, t1);
	/* The device writes only the first 100 bytes. */
	memset(hva(t2, 100), 0xab, 100);
	cr_assert_eq(vrs_swiotlb_unmap(sw, t2, len, VRS_DMA_FROM_DEVICE), 0);
	const uint8_t *b = hva(second, len);
	cr_assert(all_bytes(b, 100, 0xab));
	uint8_t want[4096];
	vrs_test_fill(want, len, 77);
	cr_assert_eq(memcmp(b + 100, want + 100, len - 100), 0);
	cr_assert_eq(vrs_swiotlb_unmap(sw, tf, rest, VRS_DMA_TO_DEVICE), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

static void check_mask(uint64_t mask, vrs_gpa_t orig, size_t size)
{
	vrs_gpa_t tlb;
	vrs_swiotlb_set_min_align_mask(sw, mask);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, size, VRS_DMA_BIDIRECTIONAL, &tlb), 0);
	uint64_t keep = mask ? mask : (SLOT - 1);
	uint64_t want = mask ? (orig & mask) : 0;
	cr_assert_eq(tlb & keep, want, "mask %#llx orig %#llx tlb %#llx",
		     (unsigned long long)mask, (unsigned long long)orig,
		     (unsigned long long)tlb);
	cr_assert(vrs_test_has_pattern(hva(tlb, size), size, 40));
	cr_assert_eq(vrs_swiotlb_unmap(sw, tlb, size, VRS_DMA_BIDIRECTIONAL), 0);
}

Test(swiotlb, min_align_mask_keeps_the_low_bits)
{
	make(2 * SEG);
	vrs_gpa_t base = kmalloc(16384);
	vrs_test_fill(hva(base, 16384), 16384, 40);
	static const size_t offs[] = {0, 1, 0x123, 0x7ff, 0x800, 0x801, 0xabc, 0xfff};
	static const size_t sizes[] = {1, 100, 2048, 5000};
	for (size_t i = 0; i < VRS_ARRAY_SIZE(offs); i++) {
		for (size_t j = 0; j < VRS_ARRAY_SIZE(sizes); j++) {
			vrs_gpa_t orig = base + offs[i];
			/* The pattern check in check_mask starts at orig. */
			vrs_test_fill(hva(orig, sizes[j]), sizes[j], 40);
			check_mask(0xfff, orig, sizes[j]);
			check_mask(0x7ff, orig, sizes[j]);
			check_mask(0, orig, sizes[j]);
			check_mask(0x3fff, orig, sizes[j]);
		}
	}
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(swiotlb, mappings_of_a_page_or_more_start_page_aligned)
{
	make(SEG);
	vrs_gpa_t a = kmalloc(SLOT), b = kmalloc(8192), t1, t2;
	cr_assert_eq(vrs_swiotlb_map(sw, a, 100, VRS_DMA_TO_DEVICE, &t1), 0);
	/* Next-fit now points at an odd slot; a page-sized map skips it. */
	cr_assert_eq(vrs_swiotlb_map(sw, b, 4096, VRS_DMA_TO_DEVICE, &t2), 0);
	cr_assert_eq(t2 & VRS_PAGE_MASK, 0);
	cr_assert_eq(t2, t1 + 4096);
	cr_assert_eq(vrs_swiotlb_unmap(sw, t2, 4096, VRS_DMA_TO_DEVICE), 0);
	cr_assert_eq(vrs_swiotlb_unmap(sw, t1, 100, VRS_DMA_TO_DEVICE), 0);
	done();
}

Test(swiotlb, exhaustion_is_enomem_and_freeing_makes_room)
{
	make(2 * SEG);
	vrs_gpa_t orig = kmalloc(SEG), t[8], x;
	/* 8 mappings of 64 KiB (32 slots) fill both segments. */
	for (int i = 0; i < 8; i++)
		cr_assert_eq(vrs_swiotlb_map(sw, orig, 65536, VRS_DMA_TO_DEVICE, &t[i]), 0);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 2 * VRS_SWIOTLB_SEGMENT_SLOTS);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 1, VRS_DMA_TO_DEVICE, &x), -ENOMEM);
	cr_assert_eq(x, 0);
	cr_assert_eq(vrs_swiotlb_check(sw), 0);
	cr_assert_eq(vrs_swiotlb_unmap(sw, t[5], 65536, VRS_DMA_TO_DEVICE), 0);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 65536, VRS_DMA_TO_DEVICE, &x), 0);
	cr_assert_eq(x, t[5]);
	/* Two neighbours freed merge into one 128 KiB run. */
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 131072, VRS_DMA_TO_DEVICE, &x), -ENOMEM);
	cr_assert_eq(vrs_swiotlb_unmap(sw, t[1], 65536, VRS_DMA_TO_DEVICE), 0);
	cr_assert_eq(vrs_swiotlb_unmap(sw, t[2], 65536, VRS_DMA_TO_DEVICE), 0);
	cr_assert_eq(vrs_swiotlb_check(sw), 0);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 131072, VRS_DMA_TO_DEVICE, &x), 0);
	cr_assert_eq(x, t[1]);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 2 * VRS_SWIOTLB_SEGMENT_SLOTS);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

Test(swiotlb, a_mapping_never_crosses_a_segment)
{
	make(2 * SEG);
	vrs_gpa_t orig = kmalloc(SEG), a, b;
	/* 100 slots used in segment 0: 28 free there, 128 in segment 1. */
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 100 * SLOT, VRS_DMA_TO_DEVICE, &a), 0);
	cr_assert_eq(seg_of(a), 0);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 64 * SLOT, VRS_DMA_TO_DEVICE, &b), 0);
	cr_assert_eq(seg_of(b), 1);
	cr_assert_eq(seg_of(b + 64 * SLOT - 1), 1);
	cr_assert_eq(vrs_swiotlb_unmap(sw, b, 64 * SLOT, VRS_DMA_TO_DEVICE), 0);
	/* Many sizes in a row, none straddles. */
	vrs_gpa_t t[40];
	size_t n = 0;
	for (size_t size = 1000; n < VRS_ARRAY_SIZE(t); size += 3001) {
		if (vrs_swiotlb_map(sw, orig, size % 40000 + 1, VRS_DMA_TO_DEVICE, &t[n]) < 0)
			break;
		cr_assert_eq(seg_of(t[n]), seg_of(t[n] + size % 40000));
		n++;
	}
	cr_assert_gt(n, 5);
	cr_assert_eq(vrs_swiotlb_check(sw), 0);
	done();
}

Test(swiotlb, max_mapping_size_is_enforced)
{
	make(2 * SEG);
	vrs_gpa_t orig = kmalloc(2 * SEG), t;
	cr_assert_eq(vrs_swiotlb_max_mapping_size(sw), SEG);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, SEG + 1, VRS_DMA_TO_DEVICE, &t), -EINVAL);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, SEG, VRS_DMA_TO_DEVICE, &t), 0);
	cr_assert_eq(t - vrs_swiotlb_pool_start(sw), 0);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), VRS_SWIOTLB_SEGMENT_SLOTS);
	cr_assert_eq(vrs_swiotlb_unmap(sw, t, SEG, VRS_DMA_TO_DEVICE), 0);
	/* With a mask, the slots it may skip come off the maximum (Linux). */
	vrs_swiotlb_set_min_align_mask(sw, 0xfff);
	size_t max = vrs_swiotlb_max_mapping_size(sw);
	cr_assert_eq(max, SEG - 4096);
	cr_assert_eq(vrs_swiotlb_map(sw, orig + 0xfff, max + 1, VRS_DMA_TO_DEVICE, &t), -EINVAL);
	cr_assert_eq(vrs_swiotlb_map(sw, orig + 0xfff, max, VRS_DMA_TO_DEVICE, &t), 0);
	cr_assert_eq(t & 0xfff, 0xfff);
	cr_assert_eq(seg_of(t), seg_of(t + max - 1));
	cr_assert_eq(vrs_swiotlb_unmap(sw, t, max, VRS_DMA_TO_DEVICE), 0);
	vrs_swiotlb_set_min_align_mask(sw, ~0ull);
	cr_assert_eq(vrs_swiotlb_max_mapping_size(sw), SLOT);
	done();
}

Test(swiotlb, partial_sync_copies_exactly_the_range)
{
	make(SEG);
	const size_t len = 6000;
	vrs_gpa_t orig = kmalloc(8192), tlb;
	vrs_swiotlb_set_min_align_mask(sw, 0xfff);
	orig += 0x321;
	memset(hva(orig, len), 0x10, len);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, len, VRS_DMA_BIDIRECTIONAL, &tlb), 0);
	memset(hva(tlb, len), 0x20, len);
	/* sync_for_cpu of [3000, 3500) only, a range that crosses slots. */
	cr_assert_eq(vrs_swiotlb_sync_for_cpu(sw, tlb + 3000, 500, VRS_DMA_FROM_DEVICE), 0);
	const uint8_t *o = hva(orig, len);
	cr_assert(all_bytes(o, 3000, 0x10));
	cr_assert(all_bytes(o + 3000, 500, 0x20));
	cr_assert(all_bytes(o + 3500, len - 3500, 0x10));
	/* sync_for_device of [100, 200) the other way. */
	memset(hva(orig, len), 0x30, len);
	cr_assert_eq(vrs_swiotlb_sync_for_device(sw, tlb + 100, 100, VRS_DMA_TO_DEVICE), 0);
	const uint8_t *t = hva(tlb, len);
	cr_assert(all_bytes(t, 100, 0x20));
	cr_assert(all_bytes(t + 100, 100, 0x30));
	cr_assert(all_bytes(t + 200, len - 200, 0x20));
	/* The last byte alone. */
	cr_assert_eq(vrs_swiotlb_sync_for_cpu(sw, tlb + len - 1, 1, VRS_DMA_BIDIRECTIONAL), 0);
	cr_assert_eq(o[len - 1], 0x20);
	cr_assert_eq(o[len - 2], 0x30);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 0);
	cr_assert_eq(vrs_swiotlb_unmap(sw, tlb, len, VRS_DMA_TO_DEVICE), 0);
	done();
}

Test(swiotlb, sync_outside_a_mapping_is_reported_and_copies_nothing_outside)
{
	make(SEG);
	vrs_gpa_t a = kmalloc(4096), b = kmalloc(4096), ta, tb;
	memset(hva(a, 4096), 0x01, 4096);
	memset(hva(b, 4096), 0x02, 4096);
	cr_assert_eq(vrs_swiotlb_map(sw, a, 1000, VRS_DMA_BIDIRECTIONAL, &ta), 0);
	cr_assert_eq(vrs_swiotlb_map(sw, b, 1000, VRS_DMA_BIDIRECTIONAL, &tb), 0);
	memset(hva(ta, 1000), 0xaa, 1000);
	memset(hva(tb, 1000), 0xbb, 1000);
	/* Correct sync: quiet. */
	cr_assert_eq(vrs_swiotlb_sync_for_cpu(sw, ta + 500, 500, VRS_DMA_FROM_DEVICE), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 0);
	/* Too long: clamped to the mapping, reported. */
	cr_assert_eq(vrs_swiotlb_sync_for_cpu(sw, ta + 900, 3000, VRS_DMA_FROM_DEVICE), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
	cr_assert(all_bytes(hva(a, 1000), 500, 0x01));
	cr_assert(all_bytes(hva(a + 500, 500), 500, 0xaa));
	cr_assert(all_bytes(hva(a + 1000, 3096), 3096, 0x01));
	cr_assert_eq(vrs_swiotlb_sync_for_device(sw, ta + 999, 2, VRS_DMA_TO_DEVICE), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 2);
	cr_assert(all_bytes(hva(tb, 1000), 1000, 0xbb));
	/* In the slot's tail past the data, and in a free slot: refused. */
	vrs_gpa_t tail = ta + 1500;
	cr_assert_eq(vrs_swiotlb_sync_for_cpu(sw, tail, 10, VRS_DMA_FROM_DEVICE), -EINVAL);
	cr_assert_eq(vrs_swiotlb_sync_for_cpu(sw, vrs_swiotlb_pool_start(sw) + SEG - 16, 8,
					      VRS_DMA_FROM_DEVICE), -EINVAL);
	cr_assert_eq(vrs_swiotlb_sync_for_device(sw, a, 8, VRS_DMA_TO_DEVICE), -EINVAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 5);
	cr_assert(all_bytes(hva(b, 4096), 4096, 0x02));
	cr_assert_eq(vrs_swiotlb_unmap(sw, ta, 1000, VRS_DMA_TO_DEVICE), 0);
	cr_assert_eq(vrs_swiotlb_unmap(sw, tb, 1000, VRS_DMA_TO_DEVICE), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 5);
	done();
}

Test(swiotlb, oversized_unmap_is_reported_and_clamped)
{
	make(SEG);
	vrs_gpa_t a = kmalloc(4096), b = kmalloc(4096), ta, tb;
	memset(hva(a, 4096), 0x01, 4096);
	cr_assert_eq(vrs_swiotlb_map(sw, a, 100, VRS_DMA_FROM_DEVICE, &ta), 0);
	cr_assert_eq(vrs_swiotlb_map(sw, b, 100, VRS_DMA_FROM_DEVICE, &tb), 0);
	memset(hva(ta, SLOT), 0xcc, SLOT); /* also the slot's tail */
	memset(hva(tb, 100), 0xdd, 100);
	/* Correct unmap: quiet. */
	cr_assert_eq(vrs_swiotlb_unmap(sw, tb, 100, VRS_DMA_FROM_DEVICE), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 0);
	/* Unmapping 4096 bytes of a 100-byte bounce: copying that much back
	 * would pour the neighbouring slots over the buffer. */
	cr_assert_eq(vrs_swiotlb_unmap(sw, ta, 4096, VRS_DMA_FROM_DEVICE), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DMA_MISUSE), "4096"));
	cr_assert(all_bytes(hva(a, 100), 100, 0xcc));
	cr_assert(all_bytes(hva(a + 100, 3996), 3996, 0x01));
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);
	done();
}

Test(swiotlb, unmap_of_an_unknown_address_is_reported)
{
	make(SEG);
	vrs_gpa_t a = kmalloc(4096), ta;
	vrs_swiotlb_set_min_align_mask(sw, 0x7ff);
	cr_assert_eq(vrs_swiotlb_map(sw, a + 8, 3000, VRS_DMA_TO_DEVICE, &ta), 0);
	cr_assert_eq(vrs_swiotlb_unmap(sw, a, 16, VRS_DMA_TO_DEVICE), -EINVAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 1);
	cr_assert_eq(vrs_swiotlb_unmap(sw, ta + 16, 16, VRS_DMA_TO_DEVICE), -EINVAL);
	cr_assert_eq(vrs_swiotlb_unmap(sw, ta - 8, 16, VRS_DMA_TO_DEVICE), -EINVAL);
	cr_assert_eq(vrs_swiotlb_unmap(sw, ta + SLOT, 16, VRS_DMA_TO_DEVICE), -EINVAL);
	cr_assert_eq(vrs_swiotlb_unmap(sw, vrs_swiotlb_pool_start(sw) + 8 * SLOT, 16,
				       VRS_DMA_TO_DEVICE), -EINVAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 5);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 2);
	cr_assert_eq(vrs_swiotlb_unmap(sw, ta, 3000, VRS_DMA_TO_DEVICE), 0);
	/* A second unmap of the same address is unknown too. */
	cr_assert_eq(vrs_swiotlb_unmap(sw, ta, 3000, VRS_DMA_TO_DEVICE), -EINVAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 6);
	done();
}

Test(swiotlb, alloc_gives_zeroed_slots_and_free_checks_its_argument)
{
	make(SEG);
	vrs_gpa_t orig = kmalloc(8192), t, p, q;
	vrs_test_fill(hva(orig, 8192), 8192, 9);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 8192, VRS_DMA_TO_DEVICE, &t), 0);
	cr_assert_eq(vrs_swiotlb_unmap(sw, t, 8192, VRS_DMA_TO_DEVICE), 0);
	vrs_swiotlb_reset(sw);
	/* The slots still hold the bounce; an allocation must not. */
	cr_assert_eq(vrs_swiotlb_alloc(sw, 5000, &p), 0);
	cr_assert_eq(p, t);
	cr_assert(all_bytes(hva(p, 3 * SLOT), 3 * SLOT, 0));
	cr_assert_eq(vrs_swiotlb_alloc(sw, 100, &q), 0);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 4);
	vrs_gpa_t bad = 1;
	cr_assert_eq(vrs_swiotlb_alloc(sw, SEG + 1, &bad), -ENOMEM);
	cr_assert_eq(bad, 0);
	cr_assert_eq(vrs_swiotlb_alloc(sw, 0, &bad), -EINVAL);
	/* An allocation is not a bounce: no sync, no unmap. */
	cr_assert_eq(vrs_swiotlb_unmap(sw, p, 5000, VRS_DMA_TO_DEVICE), -EINVAL);
	cr_assert_eq(vrs_swiotlb_sync_for_cpu(sw, p, 10, VRS_DMA_FROM_DEVICE), -EINVAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 2);
	cr_assert_eq(vrs_swiotlb_free(sw, p + 64, 5000), -EINVAL);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 3);
	cr_assert_eq(vrs_swiotlb_free(sw, p, 5000), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 3);
	/* A wrong size is reported; the allocation is freed whole anyway. */
	vrs_gpa_t q2;
	cr_assert_eq(vrs_swiotlb_alloc(sw, 100, &q2), 0);
	cr_assert_eq(vrs_swiotlb_free(sw, q2, 4096), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_MISUSE), 4);
	cr_assert_eq(vrs_swiotlb_free(sw, q, 100), 0);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);
	done();
}

Test(swiotlb, reset_frees_everything_and_gmem_reset_clears_the_pool)
{
	make(2 * SEG);
	vrs_gpa_t orig = kmalloc(SEG), t;
	vrs_test_fill(hva(orig, SEG), SEG, 1);
	vrs_swiotlb_set_min_align_mask(sw, 0xfff);
	while (vrs_swiotlb_map(sw, orig + 5, 30000, VRS_DMA_TO_DEVICE, &t) == 0)
		;
	cr_assert_gt(vrs_swiotlb_slots_used(sw), 200);
	vrs_gpa_t a;
	cr_assert_eq(vrs_swiotlb_alloc(sw, 100, &a), 0);
	vrs_swiotlb_reset(sw);
	cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);
	cr_assert_eq(vrs_swiotlb_check(sw), 0);
	cr_assert_eq(vrs_swiotlb_max_mapping_size(sw), SEG);
	vrs_gmem_reset(vrs_test_gmem());
	vrs_gpa_t start = vrs_swiotlb_pool_start(sw);
	cr_assert(all_bytes(hva(start, 2 * SEG), 2 * SEG, 0));
	cr_assert_eq(vrs_swiotlb_map(sw, kmalloc(SEG), SEG, VRS_DMA_TO_DEVICE, &t), 0);
	cr_assert_eq(t, start);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

/* Reset copies back only the segments a run touched: after runs that
 * touched all, some or one of them, every segment is whole again. */
Test(swiotlb, reset_restores_every_touched_segment)
{
	make(4 * SEG);
	vrs_gpa_t orig = kmalloc(SEG), t[4];
	for (unsigned round = 0; round < 3; round++) {
		unsigned n = round == 0 ? 4 : round == 1 ? 2 : 1;
		for (unsigned i = 0; i < n; i++)
			cr_assert_eq(vrs_swiotlb_map(sw, orig, SEG, VRS_DMA_TO_DEVICE,
						     &t[i]), 0);
		cr_assert_eq(vrs_swiotlb_check(sw), 0);
		if (n > 1)
			cr_assert_eq(vrs_swiotlb_unmap(sw, t[1], SEG,
						       VRS_DMA_TO_DEVICE), 0);
		cr_assert_eq(vrs_swiotlb_check(sw), 0);
		vrs_swiotlb_reset(sw);
		cr_assert_eq(vrs_swiotlb_check(sw), 0);
		cr_assert_eq(vrs_swiotlb_slots_used(sw), 0);
	}
	/* every segment takes a whole-segment mapping again */
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(vrs_swiotlb_map(sw, orig, SEG, VRS_DMA_TO_DEVICE, &t[i]),
			     0, "segment %u", i);
	cr_assert_eq(vrs_swiotlb_map(sw, orig, 64, VRS_DMA_TO_DEVICE, &t[0]),
		     -ENOMEM);
	cr_assert_eq(vrs_swiotlb_check(sw), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	done();
}

/* ---- randomized run against a reference model ---- */

#define LIVE 12
#define MAXLEN 40000u
#define REGION 65536u

struct model {
	bool live;
	vrs_gpa_t orig, tlb;
	size_t len;
	enum vrs_dma_dir dir;
	uint8_t cpu[MAXLEN]; /* what the original must hold */
	uint8_t dev[MAXLEN]; /* what the slots must hold */
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t pick(size_t n)
{
	return (size_t)(next() % n);
}

static void fill_random(uint8_t *a, uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		a[i] = b[i] = (uint8_t)next();
}

static void check_model(struct model *m, const vrs_gpa_t *region)
{
	size_t slots = 0;
	cr_assert_eq(vrs_swiotlb_check(sw), 0);
	for (int k = 0; k < LIVE; k++) {
		if (!m[k].live)
			continue;
		size_t off = (size_t)((m[k].tlb - vrs_swiotlb_pool_start(sw)) % SLOT);
		slots += (off + m[k].len + SLOT - 1) / SLOT;
		cr_assert_eq(memcmp(hva(m[k].orig, m[k].len), m[k].cpu, m[k].len), 0);
		cr_assert_eq(memcmp(hva(m[k].tlb, m[k].len), m[k].dev, m[k].len), 0);
		cr_assert(m[k].orig >= region[k] && m[k].orig + m[k].len <= region[k] + REGION);
	}
	cr_assert_eq(vrs_swiotlb_slots_used(sw), slots);
}

Test(swiotlb, randomized_sequence_matches_a_reference_model)
{
	static const uint64_t masks[] = {0, 0x7ff, 0xfff, 0x1fff};
	static const enum vrs_dma_dir dirs[] = {
		VRS_DMA_TO_DEVICE, VRS_DMA_FROM_DEVICE, VRS_DMA_BIDIRECTIONAL};
	make(SEG);
	struct model *m = calloc(LIVE, sizeof(*m));
	cr_assert_not_null(m);
	vrs_gpa_t region[LIVE];
	for (int k = 0; k < LIVE; k++)
		region[k] = kmalloc(REGION);
	unsigned maps = 0, enomem = 0, unmaps = 0, syncs = 0;
	for (int step = 0; step < 6000; step++) {
		struct model *e = &m[pick(LIVE)];
		size_t k = (size_t)(e - m);
		unsigned op = (unsigned)pick(10);
		if (step % 500 == 0)
			vrs_swiotlb_set_min_align_mask(sw, masks[pick(4)]);
		if (!e->live) {
			/* Map a fresh buffer at a random place in its region. */
			size_t len = pick(2) ? 1 + pick(3000) : 1 + pick(MAXLEN);
			e->orig = region[k] + pick(REGION - len);
			e->len = len;
			e->dir = dirs[pick(3)];
			fill_random(hva(e->orig, len), e->cpu, len);
			memcpy(e->dev, e->cpu, len);
			int rc = vrs_swiotlb_map(sw, e->orig, len, e->dir, &e->tlb);
			if (rc == -ENOMEM) {
				enomem++;
			} else {
				cr_assert_eq(rc, 0);
				e->live = true;
				maps++;
			}
		} else if (op < 3) {
			/* The device writes part of its view. */
			size_t at = pick(e->len), n = 1 + pick(e->len - at);
			fill_random(hva(e->tlb + at, n), e->dev + at, n);
		} else if (op < 5) {
			/* The CPU writes part of the original. */
			size_t at = pick(e->len), n = 1 + pick(e->len - at);
			fill_random(hva(e->orig + at, n), e->cpu + at, n);
		} else if (op < 8) {
			size_t at = pick(e->len), n = 1 + pick(e->len - at);
			if (op == 5) {
				cr_assert_eq(vrs_swiotlb_sync_for_cpu(sw, e->tlb + at, n, e->dir), 0);
				if (vrs_dma_dir_from_device(e->dir))
					memcpy(e->cpu + at, e->dev + at, n);
			} else {
				cr_assert_eq(vrs_swiotlb_sync_for_device(sw, e->tlb + at, n, e->dir), 0);
				if (vrs_dma_dir_to_device(e->dir))
					memcpy(e->dev + at, e->cpu + at, n);
			}
			syncs++;
		} else {
			cr_assert_eq(vrs_swiotlb_unmap(sw, e->tlb, e->len, e->dir), 0);
			if (vrs_dma_dir_from_device(e->dir))
				memcpy(e->cpu, e->dev, e->len);
			cr_assert_eq(memcmp(hva(e->orig, e->len), e->cpu, e->len), 0);
			e->live = false;
			unmaps++;
		}
		check_model(m, region);
	}
	cr_assert_gt(maps, 500);
	cr_assert_gt(unmaps, 400);
	cr_assert_gt(syncs, 500);
	cr_assert_gt(enomem, 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	free(m);
	done();
}
