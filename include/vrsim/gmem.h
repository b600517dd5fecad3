/* Guest memory: one flat region, allocated once per process.
 *
 * A GPA is an offset into the region; the driver's "kernel virtual address"
 * is the host pointer. Every page carries metadata: whether it is private
 * (encrypted) or shared, an owner tag for diagnostics and a dirty mark.
 * Reset between runs costs O(pages touched), never O(memory size): that is
 * what lets a fuzzer run 100k+ inputs per second. */
#ifndef VRSIM_GMEM_H
#define VRSIM_GMEM_H

#include "vrsim/types.h"

struct vrs_gmem;

/* Who a page belongs to; only for diagnostics and traces. */
enum vrs_page_owner {
	VRS_OWNER_FREE = 0,
	VRS_OWNER_RING,
	VRS_OWNER_BUFFER,
	VRS_OWNER_COHERENT,
	VRS_OWNER_SWIOTLB,
	VRS_OWNER_COUNT,
};

const char *vrs_page_owner_name(enum vrs_page_owner owner);

/* Size must be a multiple of the page size, at least 4 pages. */
int vrs_gmem_create(size_t size, struct vrs_gmem **out);
void vrs_gmem_destroy(struct vrs_gmem *gm);

size_t vrs_gmem_size(const struct vrs_gmem *gm);
size_t vrs_gmem_npages(const struct vrs_gmem *gm);

/* True when [gpa, gpa+len) lies inside guest memory and gpa != 0. */
bool vrs_gmem_range_ok(const struct vrs_gmem *gm, vrs_gpa_t gpa, size_t len);

/* CPU view. hva() returns NULL for a range outside guest memory. */
void *vrs_gmem_hva(const struct vrs_gmem *gm, vrs_gpa_t gpa, size_t len);
int vrs_gmem_gpa(const struct vrs_gmem *gm, const void *hva, size_t len,
		 vrs_gpa_t *out);

/* Encryption state. Protected platforms make every page private by default;
 * changing the default is O(1) because pages store only their difference
 * from it. */
void vrs_gmem_set_default_private(struct vrs_gmem *gm, bool private_);
bool vrs_gmem_default_private(const struct vrs_gmem *gm);
int vrs_gmem_set_private(struct vrs_gmem *gm, vrs_gpa_t gpa, size_t npages,
			 bool private_);
bool vrs_gmem_page_private(const struct vrs_gmem *gm, vrs_gpa_t gpa);
/* True when any page of [gpa, gpa+len) is private. */
bool vrs_gmem_range_private(const struct vrs_gmem *gm, vrs_gpa_t gpa,
			    size_t len);

int vrs_gmem_set_owner(struct vrs_gmem *gm, vrs_gpa_t gpa, size_t len,
		       enum vrs_page_owner owner);
enum vrs_page_owner vrs_gmem_owner(const struct vrs_gmem *gm, vrs_gpa_t gpa);

/* Record that [gpa, gpa+len) was written so reset clears it. Writes through
 * the device bus, the swiotlb copies and allocations call this; the CPU
 * writes only memory it allocated, which is marked at allocation. */
void vrs_gmem_note_write(struct vrs_gmem *gm, vrs_gpa_t gpa, size_t len);
bool vrs_gmem_page_dirty(const struct vrs_gmem *gm, vrs_gpa_t gpa);
size_t vrs_gmem_dirty_pages(const struct vrs_gmem *gm);

/* Carve a region that survives reset (a boot-time reservation such as the
 * swiotlb pool). Reservations come from the top of memory and are shared
 * with the host whatever the encryption default: a DMA pool is decrypted
 * at boot (Linux's swiotlb_update_mem_attributes). */
int vrs_gmem_reserve(struct vrs_gmem *gm, size_t size, vrs_gpa_t *out);

/* Allocation, as the guest kernel's allocator: byte-granular chunks rounded
 * to a power of two (at least 64 bytes, naturally aligned up to a page, page
 * aligned above). Metadata lives on the host side, so a device scribbling
 * over guest memory cannot corrupt the allocator. */
int vrs_gmem_alloc(struct vrs_gmem *gm, size_t size, enum vrs_page_owner owner,
		   vrs_gpa_t *out);
int vrs_gmem_free(struct vrs_gmem *gm, vrs_gpa_t gpa, size_t size);
size_t vrs_gmem_allocated_bytes(const struct vrs_gmem *gm);

/* Return to the state right after create (and reservations): zero every
 * touched page, restore metadata, forget allocations. O(pages touched). */
void vrs_gmem_reset(struct vrs_gmem *gm);

/* Validity check: metadata consistent with the dirty list. 0 or -EINVAL. */
int vrs_gmem_check(const struct vrs_gmem *gm);

#endif
