/* Guest memory: one host allocation, per-page metadata, an allocator whose
 * bookkeeping lives outside guest memory, and a dirty list so that reset
 * costs O(pages touched). */
#include "vrsim/gmem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vrsim/guard.h"

/* Page flags. */
#define PG_LISTED 0x01u	 /* on the dirty list: reset must visit it */
#define PG_WRITTEN 0x02u /* contents may be non-zero: reset zeroes it */
#define PG_FLIPPED 0x04u /* encryption differs from the default */
#define PG_BOOT_SHARED 0x08u /* a reservation: shared always, kept by reset */

/* Allocation size classes: 64 B << k, up to the largest class. */
#define CLASS_MIN_SHIFT 6u
#define CLASS_COUNT 19u /* 64 B .. 16 MiB */

struct page_meta {
	uint8_t flags;
	uint8_t owner;
	uint8_t boot_owner; /* owner restored by reset (reservations) */
};

struct class_stack {
	vrs_gpa_t *slots; /* freed chunks of this class */
	size_t len, cap;
};

struct vrs_gmem {
	uint8_t *base;
	size_t size, npages;
	struct page_meta *pages;
	uint32_t *dirty; /* indices of listed pages */
	size_t ndirty;
	bool default_private;
	/* allocator */
	vrs_gpa_t bump;		/* next never-used GPA */
	vrs_gpa_t limit;	/* start of reservations */
	size_t allocated;	/* live bytes, for diagnostics */
	struct class_stack classes[CLASS_COUNT];
};

static const char *const owner_names[VRS_OWNER_COUNT] = {
	[VRS_OWNER_FREE] = "free",	   [VRS_OWNER_RING] = "ring",
	[VRS_OWNER_BUFFER] = "buffer",	   [VRS_OWNER_COHERENT] = "coherent",
	[VRS_OWNER_SWIOTLB] = "swiotlb",
};

const char *vrs_page_owner_name(enum vrs_page_owner owner)
{
	return (unsigned)owner < VRS_OWNER_COUNT ? owner_names[owner] : "?";
}

static int grow_class(struct class_stack *st, size_t cap)
{
	vrs_gpa_t *slots = realloc(st->slots, cap * sizeof(*slots));
	VRS_ENSURE(slots, ENOMEM);
	st->slots = slots;
	st->cap = cap;
	return 0;
}

/* Free lists sized up front for a typical run: growing one inside a run
 * would make that run's path depend on the runs before it. */
#define CLASS_INITIAL_CAP 256u

int vrs_gmem_create(size_t size, struct vrs_gmem **out)
{
	VRS_ENSURE(out && size >= 4 * VRS_PAGE_SIZE, EINVAL);
	VRS_ENSURE((size & VRS_PAGE_MASK) == 0, EINVAL);
	VRS_ENSURE(size / VRS_PAGE_SIZE <= UINT32_MAX, EINVAL);
	struct vrs_gmem *gm = calloc(1, sizeof(*gm));
	VRS_ENSURE(gm, ENOMEM);
	gm->size = size;
	gm->npages = size / VRS_PAGE_SIZE;
	/* mmap gives zeroed pages that cost nothing until touched, so a large
	 * guest is cheap when a run uses little of it. */
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	gm->pages = calloc(gm->npages, sizeof(*gm->pages));
	gm->dirty = malloc(gm->npages * sizeof(*gm->dirty));
	if (p == MAP_FAILED || !gm->pages || !gm->dirty) {
		if (p != MAP_FAILED)
			munmap(p, size);
		free(gm->pages);
		free(gm->dirty);
		free(gm);
		return -ENOMEM;
	}
	gm->base = p;
	for (unsigned i = 0; i < CLASS_COUNT; i++) {
		if (grow_class(&gm->classes[i], CLASS_INITIAL_CAP) < 0) {
			vrs_gmem_destroy(gm);
			return -ENOMEM;
		}
	}
	/* Page 0 is never handed out, so GPA 0 stays invalid. */
	gm->bump = VRS_PAGE_SIZE;
	gm->limit = size;
	*out = gm;
	return 0;
}

void vrs_gmem_destroy(struct vrs_gmem *gm)
{
	if (!gm)
		return;
	munmap(gm->base, gm->size);
	for (unsigned i = 0; i < CLASS_COUNT; i++)
		free(gm->classes[i].slots);
	free(gm->pages);
	free(gm->dirty);
	free(gm);
}

size_t vrs_gmem_size(const struct vrs_gmem *gm) { return gm->size; }
size_t vrs_gmem_npages(const struct vrs_gmem *gm) { return gm->npages; }

bool vrs_gmem_range_ok(const struct vrs_gmem *gm, vrs_gpa_t gpa, size_t len)
{
	return gpa != 0 && gpa < gm->size && len <= gm->size - gpa;
}

void *vrs_gmem_hva(const struct vrs_gmem *gm, vrs_gpa_t gpa, size_t len)
{
	return vrs_gmem_range_ok(gm, gpa, len) ? gm->base + gpa : NULL;
}

int vrs_gmem_gpa(const struct vrs_gmem *gm, const void *hva, size_t len,
		 vrs_gpa_t *out)
{
	uintptr_t p = (uintptr_t)hva, b = (uintptr_t)gm->base;
	VRS_ENSURE(p > b && p - b < gm->size, EFAULT);
	VRS_ENSURE(len <= gm->size - (p - b), EFAULT);
	*out = p - b;
	return 0;
}

static inline void list_page(struct vrs_gmem *gm, size_t pfn)
{
	struct page_meta *m = &gm->pages[pfn];
	if (!(m->flags & PG_LISTED)) {
		m->flags |= PG_LISTED;
		gm->dirty[gm->ndirty++] = (uint32_t)pfn;
	}
}

/* Visit the pages of a range already checked with range_ok. */
#define FOR_EACH_PFN(pfn, gpa, len)                                            \
	for (size_t pfn = (gpa) >> VRS_PAGE_SHIFT,                             \
		    pfn##_end = ((gpa) + (len) + VRS_PAGE_MASK) >> VRS_PAGE_SHIFT; \
	     pfn < pfn##_end; pfn++)

void vrs_gmem_note_write(struct vrs_gmem *gm, vrs_gpa_t gpa, size_t len)
{
	if (len == 0 || !vrs_gmem_range_ok(gm, gpa, len))
		return;
	FOR_EACH_PFN(pfn, gpa, len)
	{
		list_page(gm, pfn);
		gm->pages[pfn].flags |= PG_WRITTEN;
	}
}

bool vrs_gmem_page_dirty(const struct vrs_gmem *gm, vrs_gpa_t gpa)
{
	return gpa < gm->size &&
	       (gm->pages[gpa >> VRS_PAGE_SHIFT].flags & PG_WRITTEN);
}

size_t vrs_gmem_dirty_pages(const struct vrs_gmem *gm) { return gm->ndirty; }

void vrs_gmem_set_default_private(struct vrs_gmem *gm, bool private_)
{
	gm->default_private = private_;
}

bool vrs_gmem_default_private(const struct vrs_gmem *gm)
{
	return gm->default_private;
}

int vrs_gmem_set_private(struct vrs_gmem *gm, vrs_gpa_t gpa, size_t npages,
			 bool private_)
{
	VRS_ENSURE((gpa & VRS_PAGE_MASK) == 0 && npages > 0, EINVAL);
	VRS_ENSURE(npages <= gm->npages, EINVAL);
	VRS_ENSURE(vrs_gmem_range_ok(gm, gpa, npages * VRS_PAGE_SIZE), EINVAL);
	FOR_EACH_PFN(pfn, gpa, npages * VRS_PAGE_SIZE)
	{
		list_page(gm, pfn);
		if (private_ == gm->default_private)
			gm->pages[pfn].flags &= (uint8_t)~PG_FLIPPED;
		else
			gm->pages[pfn].flags |= PG_FLIPPED;
	}
	return 0;
}

bool vrs_gmem_page_private(const struct vrs_gmem *gm, vrs_gpa_t gpa)
{
	if (gpa >= gm->size)
		return false;
	uint8_t f = gm->pages[gpa >> VRS_PAGE_SHIFT].flags;
	if (f & PG_BOOT_SHARED)
		return false;
	return gm->default_private != !!(f & PG_FLIPPED);
}

bool vrs_gmem_range_private(const struct vrs_gmem *gm, vrs_gpa_t gpa,
			    size_t len)
{
	if (len == 0 || !vrs_gmem_range_ok(gm, gpa, len))
		return false;
	FOR_EACH_PFN(pfn, gpa, len)
	{
		if (vrs_gmem_page_private(gm, (vrs_gpa_t)pfn << VRS_PAGE_SHIFT))
			return true;
	}
	return false;
}

int vrs_gmem_set_owner(struct vrs_gmem *gm, vrs_gpa_t gpa, size_t len,
		       enum vrs_page_owner owner)
{
	VRS_ENSURE((unsigned)owner < VRS_OWNER_COUNT, EINVAL);
	VRS_ENSURE(len > 0 && vrs_gmem_range_ok(gm, gpa, len), EINVAL);
	FOR_EACH_PFN(pfn, gpa, len)
	{
		list_page(gm, pfn);
		gm->pages[pfn].owner = (uint8_t)owner;
	}
	return 0;
}

enum vrs_page_owner vrs_gmem_owner(const struct vrs_gmem *gm, vrs_gpa_t gpa)
{
	return gpa < gm->size ? gm->pages[gpa >> VRS_PAGE_SHIFT].owner
			      : VRS_OWNER_FREE;
}

int vrs_gmem_reserve(struct vrs_gmem *gm, size_t size, vrs_gpa_t *out)
{
	VRS_ENSURE(size > 0 && out, EINVAL);
	size = VRS_ALIGN_UP(size, (size_t)VRS_PAGE_SIZE);
	/* Reservations are made before the first run: nothing allocated. */
	VRS_ENSURE(gm->bump == VRS_PAGE_SIZE && gm->allocated == 0, EBUSY);
	VRS_ENSURE(size <= gm->limit - gm->bump, ENOMEM);
	gm->limit -= size;
	for (size_t pfn = gm->limit >> VRS_PAGE_SHIFT;
	     pfn < (gm->limit + size) >> VRS_PAGE_SHIFT; pfn++) {
		gm->pages[pfn].owner = gm->pages[pfn].boot_owner =
			VRS_OWNER_SWIOTLB;
		gm->pages[pfn].flags = PG_BOOT_SHARED;
	}
	*out = gm->limit;
	return 0;
}

static unsigned size_class(size_t size)
{
	unsigned c = 0;
	while (((size_t)1 << (CLASS_MIN_SHIFT + c)) < size)
		c++;
	return c;
}

int vrs_gmem_alloc(struct vrs_gmem *gm, size_t size, enum vrs_page_owner owner,
		   vrs_gpa_t *out)
{
	VRS_ENSURE(out && size > 0 && (unsigned)owner < VRS_OWNER_COUNT,
		   EINVAL);
	VRS_ENSURE(size <= ((size_t)1 << (CLASS_MIN_SHIFT + CLASS_COUNT - 1)),
		   ENOMEM);
	unsigned c = size_class(size);
	size_t csize = (size_t)1 << (CLASS_MIN_SHIFT + c);
	struct class_stack *st = &gm->classes[c];
	vrs_gpa_t gpa;
	if (st->len) {
		gpa = st->slots[--st->len];
	} else {
		size_t align = VRS_MIN(csize, (size_t)VRS_PAGE_SIZE);
		vrs_gpa_t start = VRS_ALIGN_UP(gm->bump, (vrs_gpa_t)align);
		VRS_ENSURE(start <= gm->limit && csize <= gm->limit - start,
			   ENOMEM);
		gpa = start;
		gm->bump = start + csize;
	}
	/* The CPU may write anything it allocated: reset must zero it. */
	FOR_EACH_PFN(pfn, gpa, csize)
	{
		list_page(gm, pfn);
		gm->pages[pfn].flags |= PG_WRITTEN;
		gm->pages[pfn].owner = (uint8_t)owner;
	}
	gm->allocated += csize;
	*out = gpa;
	return 0;
}

int vrs_gmem_free(struct vrs_gmem *gm, vrs_gpa_t gpa, size_t size)
{
	VRS_ENSURE(size > 0 && vrs_gmem_range_ok(gm, gpa, size), EINVAL);
	VRS_ENSURE(gpa < gm->bump, EINVAL);
	unsigned c = size_class(size);
	VRS_ENSURE(c < CLASS_COUNT, EINVAL);
	size_t csize = (size_t)1 << (CLASS_MIN_SHIFT + c);
	VRS_ENSURE((gpa & (VRS_MIN(csize, (size_t)VRS_PAGE_SIZE) - 1)) == 0,
		   EINVAL);
	VRS_ENSURE(gm->allocated >= csize, EINVAL);
	struct class_stack *st = &gm->classes[c];
	if (st->len == st->cap)
		VRS_GUARD(grow_class(st, st->cap * 2));
	st->slots[st->len++] = gpa;
	gm->allocated -= csize;
	return 0;
}

size_t vrs_gmem_allocated_bytes(const struct vrs_gmem *gm)
{
	return gm->allocated;
}

void vrs_gmem_reset(struct vrs_gmem *gm)
{
	for (size_t i = 0; i < gm->ndirty; i++) {
		uint32_t pfn = gm->dirty[i];
		struct page_meta *m = &gm->pages[pfn];
		if (m->flags & PG_WRITTEN)
			memset(gm->base + ((size_t)pfn << VRS_PAGE_SHIFT), 0,
			       VRS_PAGE_SIZE);
		m->flags &= PG_BOOT_SHARED;
		m->owner = m->boot_owner;
	}
	gm->ndirty = 0;
	gm->bump = VRS_PAGE_SIZE;
	gm->allocated = 0;
	for (unsigned i = 0; i < CLASS_COUNT; i++)
		gm->classes[i].len = 0;
}

int vrs_gmem_check(const struct vrs_gmem *gm)
{
	VRS_ENSURE(gm && gm->base && gm->ndirty <= gm->npages, EINVAL);
	VRS_ENSURE(gm->bump >= VRS_PAGE_SIZE && gm->limit <= gm->size, EINVAL);
	for (size_t i = 0; i < gm->ndirty; i++) {
		VRS_ENSURE(gm->dirty[i] < gm->npages, EINVAL);
		VRS_ENSURE(gm->pages[gm->dirty[i]].flags & PG_LISTED, EINVAL);
	}
	return 0;
}
