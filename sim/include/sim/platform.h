/* Platform profiles: what a bus address means and what the device may touch
 * (docs/design.md section 3). A profile is data; sim/machine.c turns it into the
 * DMA API stack the driver gets and the bus the device gets. */
#ifndef VRSIM_SIM_PLATFORM_H
#define VRSIM_SIM_PLATFORM_H

#include "vrsim/types.h"

enum vrs_platform_id {
	VRS_PLAT_KVM = 0,
	VRS_PLAT_KVM_VIOMMU,
	VRS_PLAT_Q35_QUIRK,
	VRS_PLAT_PPC64_PSERIES,
	VRS_PLAT_SPARC,
	VRS_PLAT_XEN,
	VRS_PLAT_HW_VIRTIO,
	VRS_PLAT_SEV,
	VRS_PLAT_TDX,
	VRS_PLAT_S390_PV,
	VRS_PLAT_PPC_ULTRAVISOR,
	VRS_PLAT_RESTRICTED_POOL,
	VRS_PLAT_ARM64_DMA_RANGES,
	VRS_PLAT_PKVM,
	VRS_PLAT_ARM_CCA,
	VRS_PLAT_COUNT,
};

/* What the guest kernel's DMA API does for the device. */
enum vrs_plat_dma {
	VRS_PLAT_DMA_DIRECT,	 /* dma-direct, bus = GPA + dma_offset */
	VRS_PLAT_DMA_IOMMU,	 /* iommu-dma, bus = IOVA */
	VRS_PLAT_DMA_BOUNCE,	 /* dma-direct forced through the swiotlb; bus
				  * addresses carry shared_alias */
	VRS_PLAT_DMA_XEN,	 /* xen-swiotlb, bus = machine address */
	VRS_PLAT_DMA_RESTRICTED, /* everything inside the restricted pool */
};

/* How the device reads a bus address. */
enum vrs_plat_view {
	VRS_VIEW_GPA,		/* as a GPA, whatever the guest thinks */
	VRS_VIEW_IOMMU_IF_AP,	/* through the IOMMU iff ACCESS_PLATFORM */
	VRS_VIEW_IOMMU,		/* always through the IOMMU */
	VRS_VIEW_XEN,		/* as a machine address */
	VRS_VIEW_POOL_ONLY,	/* as a GPA inside the restricted pool only */
	VRS_VIEW_DMA_OFFSET,	/* as GPA + dma_offset: a GPA is not a bus
				 * address (dma-ranges) */
	VRS_VIEW_SHARED_ALIAS,	/* only through the shared_alias bit: the
				 * protected IPA is not the host's (CCA) */
};

/* What a device access to a private page does. */
enum vrs_plat_private {
	VRS_PRIVATE_FAULTS,	/* TDX, s390 PV, ultravisor, pKVM (stage-2
				 * fault), CCA (granule protection fault) */
	VRS_PRIVATE_CIPHERTEXT, /* SEV: the device sees and writes ciphertext */
};

struct vrs_platform {
	enum vrs_platform_id id;
	const char *name;
	const char *summary;
	enum vrs_plat_dma dma;
	enum vrs_plat_view view;
	bool protected_memory; /* guest pages private unless shared */
	enum vrs_plat_private private_effect;
	bool xen_domain;       /* xen_domain() for the DMA-use policies */
	/* Linux's dma_range_map (one region from GPA 0): the DMA API hands
	 * out GPA + dma_offset and the bus subtracts it. 0: none. */
	uint64_t dma_offset;
	/* The bit the DMA API sets in a bus address of decrypted memory and
	 * the bus needs to reach a shared page (Arm CCA's PROT_NS_SHARED,
	 * dma_addr_unencrypted). 0: none. */
	uint64_t shared_alias;
	/* Linux sets virtio_check_mem_acc_cb() here (SEV and TDX in
	 * mem_encrypt setup, s390 PV in pv_init; not pKVM or CCA):
	 * virtio_features_ok() then refuses a device without VERSION_1 and
	 * ACCESS_PLATFORM. */
	bool restricted_mem_acc;
	const char *why;       /* the seed or history behind the profile */
};

/* arm64-dma-ranges: the device sees RAM at 2 GiB (a GPA of the 16 MiB
 * guest is never a bus address; the window ends below the IOVAs). */
#define VRS_PLAT_DMA_RANGES_OFFSET 0x80000000ull
/* arm-cca: a 40-bit realm IPA space; PROT_NS_SHARED is its top bit,
 * BIT(ipa_bits - 1), far above guest memory and the IOVAs. */
#define VRS_PLAT_CCA_IPA_BITS 40
#define VRS_PLAT_CCA_SHARED_ALIAS (1ull << (VRS_PLAT_CCA_IPA_BITS - 1))

const struct vrs_platform *vrs_platform_get(enum vrs_platform_id id);
/* 0 and *out, or -ENOENT for an unknown name. */
int vrs_platform_by_name(const char *name, enum vrs_platform_id *out);

/* Whether the device, with or without ACCESS_PLATFORM, goes through the
 * IOMMU (the table's "device honours IOMMU" column). */
bool vrs_platform_device_uses_iommu(const struct vrs_platform *p,
				    bool access_platform);

#endif
