/* SWIOTLB bounce buffers, after Linux 6.1's kernel/dma/swiotlb.c.
 *
 * The pool is guest memory reserved once at create; its bookkeeping lives on
 * the host side, so a device scribbling over the pool cannot corrupt it.
 * Free space is tracked as Linux does: every slot holds the number of free
 * slots from it to the end of its segment (0 when used), so "n free slots
 * here, not crossing a segment" is one comparison; a next-fit index spreads
 * mappings over the pool. */
#include "dma/swiotlb.h"

#include <stdlib.h>
#include <string.h>

#include "vrsim/guard.h"
#include "vrsim/report.h"

#define SLOT_NONE UINT32_MAX
#define SLOT_LOW_MASK ((uint64_t)VRS_SWIOTLB_SLOT_SIZE - 1)
#define SEG_SLOTS VRS_SWIOTLB_SEGMENT_SLOTS
#define SEG_BYTES VRS_SWIOTLB_MAX_MAPPING

/* What a mapping's slots hold: a bounce of an original, or a pool
 * allocation (restricted-pool coherent memory) with no original. */
enum slot_use { USE_NONE = 0, USE_MAP, USE_ALLOC };

/* One 2 KiB slot, written only by this file. Fields marked "head" are kept
 * on a mapping's first slot only. */
struct slot {
	vrs_gpa_t orig;	     /* head: GPA the mapping bounces (0 for ALLOC) */
	uint32_t head;	     /* first slot of the owning mapping; NONE: free */
	uint32_t nslots;     /* head: slots the mapping holds */
	uint32_t alloc_size; /* head: bytes mapped, without the offset */
	uint16_t offset;     /* head: bytes before the data in the first slot,
				kept from orig by min_align_mask */
	uint8_t use;	     /* head: enum slot_use */
	uint8_t free_run;    /* free slots from here to segment end; 0: used */
};

struct vrs_swiotlb {
	struct vrs_gmem *gm;	 /* not owned; the pool is reserved in it */
	vrs_gpa_t start;	 /* pool GPA, page aligned */
	size_t nslots;
	uint64_t min_align_mask; /* set by the platform per device */
	size_t index;		 /* next-fit start of the slot search */
	size_t used;		 /* slots held by live mappings */
	/* Segments [seg_lo, seg_hi) are the only ones whose slots changed
	 * since the last reset: a mapping and the free runs it shortens stay
	 * in its segment. Reset and check look at no other. */
	size_t seg_lo, seg_hi;
	struct slot *slots;	 /* nslots entries, host side */
	struct slot *pristine;	 /* the all-free state, copied in by reset */
};

static vrs_gpa_t slot_addr(const struct vrs_swiotlb *sw, size_t i)
{
	return sw->start + ((vrs_gpa_t)i << VRS_SWIOTLB_SLOT_SHIFT);
}

static size_t slots_for(size_t bytes)
{
	return (bytes + SLOT_LOW_MASK) >> VRS_SWIOTLB_SLOT_SHIFT;
}

static size_t seg_start(size_t i)
{
	return i - i % SEG_SLOTS;
}

/* Reset runs once per fuzz input: a copy of the pristine table over the
 * segments the run touched, nothing at all when it touched none. */
static void reset_slots(struct vrs_swiotlb *sw)
{
	if (sw->seg_lo < sw->seg_hi)
		memcpy(sw->slots + sw->seg_lo * SEG_SLOTS,
		       sw->pristine + sw->seg_lo * SEG_SLOTS,
		       (sw->seg_hi - sw->seg_lo) * SEG_SLOTS * sizeof(*sw->slots));
	sw->seg_lo = sw->nslots / SEG_SLOTS;
	sw->seg_hi = 0;
	sw->index = 0;
	sw->used = 0;
}

static void touch_segment(struct vrs_swiotlb *sw, size_t slot)
{
	size_t seg = slot / SEG_SLOTS;
	sw->seg_lo = VRS_MIN(sw->seg_lo, seg);
	sw->seg_hi = VRS_MAX(sw->seg_hi, seg + 1);
}

int vrs_swiotlb_create(struct vrs_gmem *gm, size_t pool_bytes,
		       struct vrs_swiotlb **out)
{
	VRS_ENSURE(gm && out && pool_bytes > 0, EINVAL);
	VRS_ENSURE(pool_bytes % SEG_BYTES == 0, EINVAL);
	VRS_ENSURE(pool_bytes < vrs_gmem_size(gm), ENOMEM);
	struct vrs_swiotlb *sw = calloc(1, sizeof(*sw));
	VRS_ENSURE(sw, ENOMEM);
	sw->gm = gm;
	sw->nslots = pool_bytes >> VRS_SWIOTLB_SLOT_SHIFT;
	sw->slots = calloc(sw->nslots, sizeof(*sw->slots));
	sw->pristine = calloc(sw->nslots, sizeof(*sw->pristine));
	/* Host memory first: a reservation cannot be given back. */
	int rc = sw->slots && sw->pristine
		? vrs_gmem_reserve(gm, pool_bytes, &sw->start)
		: -ENOMEM;
	for (size_t i = 0; rc == 0 && i < sw->nslots; i++)
		sw->pristine[i] = (struct slot){
			.head = SLOT_NONE,
			.free_run = (uint8_t)(SEG_SLOTS - i % SEG_SLOTS),
		};
	sw->seg_lo = 0;
	sw->seg_hi = sw->nslots / SEG_SLOTS;
	if (rc < 0) {
		vrs_swiotlb_destroy(sw);
		return rc;
	}
	reset_slots(sw);
	*out = sw;
	return 0;
}

void vrs_swiotlb_destroy(struct vrs_swiotlb *sw)
{
	if (!sw)
		return;
	free(sw->slots);
	free(sw->pristine);
	free(sw);
}

/* Back to the state right after create: every slot free, no alignment
 * mask (the platform sets the next device's). Pool contents are zeroed by
 * the gmem reset, since every copy into the pool marks it written. */
void vrs_swiotlb_reset(struct vrs_swiotlb *sw)
{
	if (!sw)
		return;
	reset_slots(sw);
	sw->min_align_mask = 0;
}

void vrs_swiotlb_set_min_align_mask(struct vrs_swiotlb *sw, uint64_t mask)
{
	if (sw)
		sw->min_align_mask = mask;
}

vrs_gpa_t vrs_swiotlb_pool_start(const struct vrs_swiotlb *sw)
{
	return sw->start;
}

size_t vrs_swiotlb_pool_size(const struct vrs_swiotlb *sw)
{
	return sw->nslots << VRS_SWIOTLB_SLOT_SHIFT;
}

bool vrs_swiotlb_owns(const struct vrs_swiotlb *sw, vrs_gpa_t gpa)
{
	return sw && gpa >= sw->start &&
	       gpa - sw->start < vrs_swiotlb_pool_size(sw);
}

size_t vrs_swiotlb_slots_used(const struct vrs_swiotlb *sw)
{
	return sw->used;
}

/* Linux's swiotlb_max_mapping_size(): a segment minus the slots that
 * min_align_mask may force in front of the data. Never below one slot, so
 * a device with a huge mask still maps something. */
size_t vrs_swiotlb_max_mapping_size(const struct vrs_swiotlb *sw)
{
	uint64_t mask = sw->min_align_mask;
	uint64_t lost = SEG_BYTES - VRS_SWIOTLB_SLOT_SIZE;
	if (mask && mask < lost)
		lost = VRS_ALIGN_UP(mask, (uint64_t)VRS_SWIOTLB_SLOT_SIZE);
	else if (!mask)
		lost = 0;
	return SEG_BYTES - (size_t)lost;
}

/* Whether slot i can start a mapping of n slots whose address bits under
 * want_mask equal want_bits. free_run >= n also keeps it inside the
 * segment. */
static bool slot_fits(const struct vrs_swiotlb *sw, size_t i, size_t n,
		      uint64_t want_mask, uint64_t want_bits)
{
	return (slot_addr(sw, i) & want_mask) == want_bits &&
	       sw->slots[i].free_run >= n;
}

/* Find n = slots_for(bytes) free slots, next-fit from sw->index. With an
 * original, the first slot keeps orig's address bits above the slot size
 * under min_align_mask (NVMe-style devices index the buffer by those
 * bits); a mapping of a page or more starts page aligned where the mask
 * does not decide those bits. */
static int find_slots(struct vrs_swiotlb *sw, vrs_gpa_t orig, size_t bytes,
		      size_t *out)
{
	size_t n = slots_for(bytes);
	uint64_t want_mask = 0, want_bits = 0;
	if (orig) {
		want_mask = sw->min_align_mask & ~SLOT_LOW_MASK;
		want_bits = orig & want_mask;
	}
	if (bytes >= VRS_PAGE_SIZE)
		want_mask |= VRS_PAGE_MASK & ~SLOT_LOW_MASK;
	/* A mask of contiguous bits from the slot bit up is a stride in
	 * slots; anything else is searched slot by slot (the explicit check
	 * in slot_fits stays either way). */
	uint64_t stride = (want_mask >> VRS_SWIOTLB_SLOT_SHIFT) + 1;
	if ((stride & (stride - 1)) || stride == 0 || stride >= sw->nslots)
		stride = 1;
	uint64_t base = sw->start >> VRS_SWIOTLB_SLOT_SHIFT;
	uint64_t r0 = ((want_bits >> VRS_SWIOTLB_SLOT_SHIFT) % stride +
		       stride - base % stride) % stride;
	uint64_t i0 = sw->index + (r0 + stride - sw->index % stride) % stride;
	for (uint64_t i = i0; i < sw->nslots; i += stride)
		if (slot_fits(sw, (size_t)i, n, want_mask, want_bits))
			return (void)(*out = (size_t)i), 0;
	for (uint64_t i = r0; i < i0 && i < sw->nslots; i += stride)
		if (slot_fits(sw, (size_t)i, n, want_mask, want_bits))
			return (void)(*out = (size_t)i), 0;
	return -ENOMEM;
}

/* Hand slots [i, i+n) to a mapping and shorten the free runs in front. */
static void claim(struct vrs_swiotlb *sw, size_t i, size_t n, vrs_gpa_t orig,
		  size_t offset, size_t alloc_size, enum slot_use use)
{
	for (size_t j = i; j < i + n; j++) {
		sw->slots[j].free_run = 0;
		sw->slots[j].head = (uint32_t)i;
	}
	struct slot *h = &sw->slots[i];
	h->orig = orig;
	h->nslots = (uint32_t)n;
	h->alloc_size = (uint32_t)alloc_size;
	h->offset = (uint16_t)offset;
	h->use = (uint8_t)use;
	unsigned count = 0;
	for (size_t j = i; j > seg_start(i) && sw->slots[j - 1].free_run; j--)
		sw->slots[j - 1].free_run = (uint8_t)++count;
	sw->used += n;
	touch_segment(sw, i);
	sw->index = (i + n) % sw->nslots;
}

/* Free the mapping headed by slot i and merge its run with its
 * neighbours in the segment. */
static void release(struct vrs_swiotlb *sw, size_t i)
{
	size_t n = sw->slots[i].nslots, end = i + n;
	unsigned count = 0;
	if (end < seg_start(i) + SEG_SLOTS)
		count = sw->slots[end].free_run;
	for (size_t j = end; j > i; j--)
		sw->slots[j - 1] = (struct slot){
			.head = SLOT_NONE,
			.free_run = (uint8_t)++count,
		};
	for (size_t j = i; j > seg_start(i) && sw->slots[j - 1].free_run; j--)
		sw->slots[j - 1].free_run = (uint8_t)++count;
	sw->used -= n;
}

/* Copy len bytes between two ranges already checked to be guest memory,
 * marking the destination written so a gmem reset clears it. memmove: a
 * caller may bounce a buffer that itself lies in the pool. */
static void copy(struct vrs_swiotlb *sw, vrs_gpa_t dst, vrs_gpa_t src,
		 size_t len)
{
	if (len == 0)
		return;
	void *d = vrs_gmem_hva(sw->gm, dst, len);
	const void *s = vrs_gmem_hva(sw->gm, src, len);
	if (VRS_NEVER(!d || !s))
		return;
	memmove(d, s, len);
	vrs_gmem_note_write(sw->gm, dst, len);
}

/* Head slot of the live mapping that covers tlb, or SLOT_NONE. */
static uint32_t head_of(const struct vrs_swiotlb *sw, vrs_gpa_t tlb)
{
	if (!vrs_swiotlb_owns(sw, tlb))
		return SLOT_NONE;
	return sw->slots[(tlb - sw->start) >> VRS_SWIOTLB_SLOT_SHIFT].head;
}

int vrs_swiotlb_map(struct vrs_swiotlb *sw, vrs_gpa_t orig, size_t size,
		    enum vrs_dma_dir dir, vrs_gpa_t *tlb)
{
	VRS_ENSURE(sw && tlb, EINVAL);
	*tlb = 0;
	VRS_ENSURE(vrs_dma_dir_valid(dir) && dir != VRS_DMA_NONE, EINVAL);
	VRS_ENSURE(size > 0 && size <= vrs_swiotlb_max_mapping_size(sw),
		   EINVAL);
	VRS_ENSURE(vrs_gmem_range_ok(sw->gm, orig, size), EINVAL);
	size_t offset = orig & sw->min_align_mask & SLOT_LOW_MASK;
	size_t i;
	VRS_GUARD(find_slots(sw, orig, offset + size, &i));
	claim(sw, i, slots_for(offset + size), orig, offset, size, USE_MAP);
	*tlb = slot_addr(sw, i) + offset;
	/* Always, whatever the direction (CVE-2022-0854): the slot must hold
	 * the original's bytes, never the previous user's, in case the
	 * device writes only part of a FROM_DEVICE buffer. */
	copy(sw, *tlb, orig, size);
	return 0;
}

int vrs_swiotlb_unmap(struct vrs_swiotlb *sw, vrs_gpa_t tlb, size_t size,
		      enum vrs_dma_dir dir)
{
	VRS_ENSURE(sw, EINVAL);
	uint32_t h = head_of(sw, tlb);
	const struct slot *s = h == SLOT_NONE ? NULL : &sw->slots[h];
	if (!s || s->use != USE_MAP || tlb != slot_addr(sw, h) + s->offset) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "swiotlb: unmap of 0x%llx, not the start of a live "
			   "bounce mapping", (unsigned long long)tlb);
		return -EINVAL;
	}
	/* The unchecked bounce size class: copying back more than was
	 * mapped would spill a neighbour's slot data over the original. */
	if (size > s->alloc_size) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "swiotlb: unmap of 0x%llx with %zu bytes, mapped "
			   "%u", (unsigned long long)tlb, size, s->alloc_size);
		size = s->alloc_size;
	}
	if (vrs_dma_dir_valid(dir) && vrs_dma_dir_from_device(dir))
		copy(sw, s->orig, tlb, size);
	release(sw, h);
	return 0;
}

/* Copy the part [tlb, tlb+size) of a live mapping between pool and
 * original: the original address is the mapping's orig plus tlb's
 * distance from the start of the data, so a partial sync lands where it
 * belongs. */
static int sync(struct vrs_swiotlb *sw, vrs_gpa_t tlb, size_t size,
		enum vrs_dma_dir dir, bool for_cpu)
{
	VRS_ENSURE(sw, EINVAL);
	VRS_ENSURE(vrs_dma_dir_valid(dir) && dir != VRS_DMA_NONE, EINVAL);
	const char *what = for_cpu ? "sync_for_cpu" : "sync_for_device";
	uint32_t h = head_of(sw, tlb);
	const struct slot *s = h == SLOT_NONE ? NULL : &sw->slots[h];
	vrs_gpa_t data = s ? slot_addr(sw, h) + s->offset : 0;
	if (!s || s->use != USE_MAP || tlb < data ||
	    tlb - data > s->alloc_size) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "swiotlb: %s of 0x%llx, not inside a live bounce "
			   "mapping", what, (unsigned long long)tlb);
		return -EINVAL;
	}
	size_t pos = (size_t)(tlb - data);
	if (size > s->alloc_size - pos) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "swiotlb: %s of %zu bytes at offset %zu of a %u "
			   "byte mapping", what, size, pos, s->alloc_size);
		size = s->alloc_size - pos;
	}
	if (for_cpu && vrs_dma_dir_from_device(dir))
		copy(sw, s->orig + pos, tlb, size);
	else if (!for_cpu && vrs_dma_dir_to_device(dir))
		copy(sw, tlb, s->orig + pos, size);
	return 0;
}

int vrs_swiotlb_sync_for_cpu(struct vrs_swiotlb *sw, vrs_gpa_t tlb,
			     size_t size, enum vrs_dma_dir dir)
{
	return sync(sw, tlb, size, dir, true);
}

int vrs_swiotlb_sync_for_device(struct vrs_swiotlb *sw, vrs_gpa_t tlb,
				size_t size, enum vrs_dma_dir dir)
{
	return sync(sw, tlb, size, dir, false);
}

int vrs_swiotlb_alloc(struct vrs_swiotlb *sw, size_t size, vrs_gpa_t *out)
{
	VRS_ENSURE(sw && out && size > 0, EINVAL);
	*out = 0;
	VRS_ENSURE(size <= SEG_BYTES, ENOMEM);
	size_t i, n = slots_for(size);
	VRS_GUARD(find_slots(sw, 0, size, &i));
	claim(sw, i, n, 0, 0, size, USE_ALLOC);
	*out = slot_addr(sw, i);
	/* Zeroed, as a fresh coherent buffer: the slots may hold an earlier
	 * bounce's data. */
	size_t bytes = n << VRS_SWIOTLB_SLOT_SHIFT;
	void *p = vrs_gmem_hva(sw->gm, *out, bytes);
	if (!VRS_NEVER(!p)) {
		memset(p, 0, bytes);
		vrs_gmem_note_write(sw->gm, *out, bytes);
	}
	return 0;
}

int vrs_swiotlb_free(struct vrs_swiotlb *sw, vrs_gpa_t gpa, size_t size)
{
	VRS_ENSURE(sw, EINVAL);
	uint32_t h = head_of(sw, gpa);
	const struct slot *s = h == SLOT_NONE ? NULL : &sw->slots[h];
	if (!s || s->use != USE_ALLOC || gpa != slot_addr(sw, h)) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "swiotlb: free of 0x%llx, not a pool allocation",
			   (unsigned long long)gpa);
		return -EINVAL;
	}
	/* Freed whole either way; the size only tells of a confused caller. */
	if (size != s->alloc_size)
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "swiotlb: free of 0x%llx with %zu bytes, allocated "
			   "%u", (unsigned long long)gpa, size, s->alloc_size);
	release(sw, h);
	return 0;
}

/* One mapping headed by slot i: its slots point back to it, it fits in
 * its segment and its sizes agree with its slot count. */
static bool mapping_ok(const struct vrs_swiotlb *sw, size_t i)
{
	const struct slot *s = &sw->slots[i];
	size_t n = s->nslots, bytes = (size_t)s->offset + s->alloc_size;
	if (n == 0 || i + n > seg_start(i) + SEG_SLOTS || slots_for(bytes) != n)
		return false;
	if (s->use == USE_ALLOC && (s->orig || s->offset))
		return false;
	if (s->use == USE_MAP &&
	    (s->offset > SLOT_LOW_MASK || s->alloc_size == 0 ||
	     !vrs_gmem_range_ok(sw->gm, s->orig, s->alloc_size)))
		return false;
	if (s->use != USE_MAP && s->use != USE_ALLOC)
		return false;
	for (size_t j = i; j < i + n; j++)
		if (sw->slots[j].head != i || sw->slots[j].free_run)
			return false;
	return true;
}

int vrs_swiotlb_check(const struct vrs_swiotlb *sw)
{
	VRS_ENSURE(sw && sw->slots && sw->nslots % SEG_SLOTS == 0, EINVAL);
	VRS_ENSURE(vrs_swiotlb_owns(sw, sw->start), EINVAL);
	VRS_ENSURE(sw->index < sw->nslots, EINVAL);
	/* Untouched segments are the pristine table, with nothing used. */
	VRS_ENSURE(sw->seg_hi <= sw->nslots / SEG_SLOTS, EINVAL);
	size_t used = 0;
	for (size_t i = sw->seg_hi * SEG_SLOTS; i > sw->seg_lo * SEG_SLOTS; i--) {
		size_t k = i - 1;
		const struct slot *s = &sw->slots[k];
		/* The free run a slot must show, from the slot after it. */
		unsigned next = 0;
		if (k + 1 < seg_start(k) + SEG_SLOTS)
			next = sw->slots[k + 1].free_run;
		if (s->head == SLOT_NONE) {
			VRS_ENSURE(s->free_run == next + 1, EINVAL);
			continue;
		}
		used++;
		VRS_ENSURE(s->free_run == 0 && s->head <= k, EINVAL);
		const struct slot *h = &sw->slots[s->head];
		VRS_ENSURE(h->head == s->head && k < s->head + h->nslots,
			   EINVAL);
		if (s->head == k)
			VRS_ENSURE(mapping_ok(sw, k), EINVAL);
	}
	VRS_ENSURE(used == sw->used, EINVAL);
	return 0;
}
