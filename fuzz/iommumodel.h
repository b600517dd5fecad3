/* What fuzz_iommu's reference model (iommumodel.c) and its ops' format
 * (iommuops.c) share: the kinds of op, what an op and a handle hold.
 * fuzz/fuzz_iommu.c documents the input and the description syntax. */
#ifndef VRSIM_FUZZ_IOMMUMODEL_H
#define VRSIM_FUZZ_IOMMUMODEL_H

#include "dma/iommu.h"
#include "dmaops.h"
#include "vrsim/guard.h"
#include "vrsim/xlate.h"

#define GMEM_BYTES ((size_t)16 << 20)
#define IOVA_BASE 0x100000000ull
#define APERTURE ((size_t)16 << 20)
#define PAGE ((uint64_t)VRS_PAGE_SIZE)

enum kind { K_MAP, K_UNMAP, K_FLUSH, K_INVAL, K_SETMODE, K_XLATE, K_COUNT };

/* How a translation picks its address (and which name it has). */
enum tmode { T_LIVE, T_STALE, T_NEXT, T_ADDR, T_COUNT };

static const char *const prot_names[4] = {"-", "r", "w", "rw"};

static inline const char *fault_name(unsigned f)
{
	static const char *const names[] = {"ok", "unmapped", "no-read",
					    "no-write", "outside"};
	return f < VRS_ARRAY_SIZE(names) ? names[f] : "?";
}

enum state {
	S_LIVE,	   /* mapped */
	S_PENDING, /* lazily unmapped: the device may still hold an entry */
	S_GONE,	   /* unmapped and invalidated: unreachable */
};

/* One successful map; index = handle number. */
struct handle {
	vrs_dma_addr_t iova; /* what map_range returned */
	vrs_gpa_t gpa;
	uint32_t size, npages;
	uint8_t prot, state;
};

static inline vrs_dma_addr_t first_page(const struct handle *hd)
{
	return hd->iova & ~(PAGE - 1);
}

/* One executed operation: arguments and result. */
struct op {
	struct vrs_dmaop op;
	uint8_t tmode, prot;
	bool write, lazy;
	int h;		     /* resolved handle; -1: none */
	uint32_t size, off;  /* map: size; translate: offset */
	vrs_gpa_t gpa;	     /* map */
	vrs_dma_addr_t addr; /* translate: the IOVA; map: the result */
	int rc, newh;
	uint8_t fault;	     /* translate: enum vrs_xlate_fault */
	bool stale;
	vrs_gpa_t res_gpa;
};

/* Which handles vrs_fuzz_iommu_pick picks from. */
enum pick { PICK_LIVE, PICK_UNMAPPED, PICK_ANY };

/* The handle raw selects among those (the first from raw on, so any
 * one is raw mod the count): its number and *hd, or -1 when none is. */
int vrs_fuzz_iommu_pick(unsigned raw, enum pick want,
			const struct handle **hd);

extern const struct vrs_dmaops_format vrs_fuzz_iommu_format;

#endif
