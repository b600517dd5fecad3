/* IOVA space: a binary buddy allocator over the aperture's pages.
 *
 * Power-of-two blocks aligned to their size give Linux's size_aligned
 * placement (kernel/iova.c) with O(log n) alloc and free and no search over
 * the aperture. Reset replays only the pages whose state was written since
 * the last reset, so a fuzz run that made three mappings pays for three. */
#include <stdlib.h>
#include <string.h>

#include "iommu_internal.h"
#include "vrsim/guard.h"

#define NIL VRS_IOVA_NIL

static void touch(struct vrs_iova *a, uint32_t i)
{
	if (!(a->state[i] & VRS_IOVA_TOUCHED)) {
		a->state[i] |= VRS_IOVA_TOUCHED;
		a->touched[a->ntouched++] = i;
	}
}

static void set_state(struct vrs_iova *a, uint32_t i, unsigned bits)
{
	touch(a, i);
	a->state[i] = (uint8_t)(VRS_IOVA_TOUCHED | bits);
}

static void push_free(struct vrs_iova *a, uint32_t i, unsigned order)
{
	set_state(a, i, VRS_IOVA_FREE | order);
	a->prev[i] = NIL;
	a->next[i] = a->free_head[order];
	if (a->free_head[order] != NIL)
		a->prev[a->free_head[order]] = i;
	a->free_head[order] = i;
	a->free_pages += 1u << order;
}

/* Take free block i off its list; it stops being a head. */
static void unlink_free(struct vrs_iova *a, uint32_t i, unsigned order)
{
	if (a->prev[i] != NIL)
		a->next[a->prev[i]] = a->next[i];
	else
		a->free_head[order] = a->next[i];
	if (a->next[i] != NIL)
		a->prev[a->next[i]] = a->prev[i];
	set_state(a, i, 0);
	a->free_pages -= 1u << order;
}

/* The state right after init: [0, npages) cut into maximal aligned
 * power-of-two blocks (one block when npages is a power of two). */
static void seed(struct vrs_iova *a)
{
	for (unsigned k = 0; k <= VRS_IOVA_MAX_ORDER; k++)
		a->free_head[k] = NIL;
	a->free_pages = 0;
	uint32_t p = 0;
	while (p < a->npages) {
		unsigned k = a->max_order;
		while ((p & ((1u << k) - 1)) || p + (1u << k) > a->npages)
			k--;
		push_free(a, p, k);
		p += 1u << k;
	}
}

int vrs_iova_init(struct vrs_iova *a, uint32_t npages)
{
	memset(a, 0, sizeof(*a));
	VRS_ENSURE(npages > 0 && npages <= (1u << VRS_IOVA_MAX_ORDER), EINVAL);
	a->npages = npages;
	while (a->max_order < VRS_IOVA_MAX_ORDER &&
	       (2u << a->max_order) <= npages)
		a->max_order++;
	a->next = malloc(npages * sizeof(*a->next));
	a->prev = malloc(npages * sizeof(*a->prev));
	a->touched = malloc(npages * sizeof(*a->touched));
	a->state = calloc(npages, sizeof(*a->state));
	if (!a->next || !a->prev || !a->touched || !a->state) {
		vrs_iova_fini(a);
		return -ENOMEM;
	}
	seed(a);
	return 0;
}

void vrs_iova_fini(struct vrs_iova *a)
{
	free(a->next);
	free(a->prev);
	free(a->touched);
	free(a->state);
	memset(a, 0, sizeof(*a));
}

void vrs_iova_reset(struct vrs_iova *a)
{
	for (uint32_t t = 0; t < a->ntouched; t++)
		a->state[a->touched[t]] = 0;
	a->ntouched = 0;
	seed(a);
}

int vrs_iova_alloc(struct vrs_iova *a, uint32_t n, uint32_t *start)
{
	VRS_ENSURE(n > 0, EINVAL);
	VRS_ENSURE(n <= a->npages, ENOMEM);
	unsigned order = 0;
	while ((1u << order) < n)
		order++;
	unsigned k = order;
	while (k <= a->max_order && a->free_head[k] == NIL)
		k++;
	VRS_ENSURE(k <= a->max_order, ENOMEM);
	uint32_t i = a->free_head[k];
	unlink_free(a, i, k);
	/* Keep the lower half; the upper half goes on its free list. */
	while (k > order) {
		k--;
		push_free(a, i + (1u << k), k);
	}
	set_state(a, i, VRS_IOVA_ALLOC | order);
	*start = i;
	return 0;
}

int vrs_iova_free(struct vrs_iova *a, uint32_t i)
{
	VRS_ENSURE(i < a->npages && (a->state[i] & VRS_IOVA_ALLOC), EINVAL);
	unsigned k = a->state[i] & VRS_IOVA_ORDER;
	set_state(a, i, 0);
	/* Coalesce with the buddy while it is a free block of the same size;
	 * a buddy past the end of a non-power-of-two aperture never exists. */
	while (k < a->max_order) {
		uint32_t b = i ^ (1u << k);
		if (b + (1u << k) > a->npages ||
		    a->state[b] != (VRS_IOVA_TOUCHED | VRS_IOVA_FREE | k))
			break;
		unlink_free(a, b, k);
		i &= b;
		k++;
	}
	push_free(a, i, k);
	return 0;
}

uint8_t vrs_iova_find(const struct vrs_iova *a, uint32_t page, uint32_t *head)
{
	if (page >= a->npages)
		return 0;
	/* Blocks never overlap, so the first head met while widening the
	 * alignment is the block that holds page. */
	for (unsigned k = 0; k <= a->max_order; k++) {
		uint32_t h = page & ~((1u << k) - 1);
		uint8_t s = a->state[h];
		if (!(s & (VRS_IOVA_FREE | VRS_IOVA_ALLOC)))
			continue;
		if (page - h >= vrs_iova_block_pages(s))
			return 0;
		*head = h;
		return s;
	}
	return 0;
}

int vrs_iova_check(const struct vrs_iova *a)
{
	uint64_t listed = 0, listed_pages = 0;
	for (unsigned k = 0; k <= VRS_IOVA_MAX_ORDER; k++) {
		uint32_t prev = NIL;
		for (uint32_t i = a->free_head[k]; i != NIL; i = a->next[i]) {
			VRS_ENSURE(k <= a->max_order && i < a->npages, EINVAL);
			VRS_ENSURE(a->state[i] == (VRS_IOVA_TOUCHED |
						   VRS_IOVA_FREE | k), EINVAL);
			VRS_ENSURE((i & ((1u << k) - 1)) == 0, EINVAL);
			VRS_ENSURE(i + (1u << k) <= a->npages, EINVAL);
			VRS_ENSURE(a->prev[i] == prev, EINVAL);
			/* A cycle would list more blocks than pages. */
			VRS_ENSURE(++listed <= a->npages, EINVAL);
			listed_pages += 1u << k;
			prev = i;
		}
	}
	VRS_ENSURE(listed_pages == a->free_pages, EINVAL);
	/* Every head is on the touched list; free heads are all listed. */
	uint64_t free_heads = 0, alloc_pages = 0;
	for (uint32_t t = 0; t < a->ntouched; t++) {
		uint32_t i = a->touched[t];
		VRS_ENSURE(i < a->npages && (a->state[i] & VRS_IOVA_TOUCHED),
			   EINVAL);
		uint8_t s = a->state[i];
		VRS_ENSURE(!((s & VRS_IOVA_FREE) && (s & VRS_IOVA_ALLOC)),
			   EINVAL);
		if (s & VRS_IOVA_FREE)
			free_heads++;
		if (s & VRS_IOVA_ALLOC) {
			VRS_ENSURE((s & VRS_IOVA_ORDER) <= a->max_order, EINVAL);
			VRS_ENSURE((i & (vrs_iova_block_pages(s) - 1)) == 0,
				   EINVAL);
			VRS_ENSURE(i + vrs_iova_block_pages(s) <= a->npages,
				   EINVAL);
			alloc_pages += vrs_iova_block_pages(s);
		}
	}
	VRS_ENSURE(free_heads == listed, EINVAL);
	VRS_ENSURE(alloc_pages + a->free_pages == a->npages, EINVAL);
	return 0;
}
