/* The platform table of docs/design.md section 3, one row per profile. */
#include "sim/platform.h"

#include <errno.h>
#include <string.h>

static const struct vrs_platform platforms[VRS_PLAT_COUNT] = {
	[VRS_PLAT_KVM] = {
		.id = VRS_PLAT_KVM, .name = "kvm",
		.summary = "KVM guest, no IOMMU: bus address is the GPA",
		.dma = VRS_PLAT_DMA_DIRECT, .view = VRS_VIEW_GPA,
		.why = "the common case every policy must keep working",
	},
	[VRS_PLAT_KVM_VIOMMU] = {
		.id = VRS_PLAT_KVM_VIOMMU, .name = "kvm-viommu",
		.summary = "KVM with a virtual IOMMU the device honours only "
			   "with ACCESS_PLATFORM",
		.dma = VRS_PLAT_DMA_IOMMU, .view = VRS_VIEW_IOMMU_IF_AP,
		.why = "VIRTIO_F_IOMMU_PLATFORM (seed 004)",
	},
	[VRS_PLAT_Q35_QUIRK] = {
		.id = VRS_PLAT_Q35_QUIRK, .name = "q35-quirk",
		.summary = "device behind QEMU's emulated Q35 IOMMU that "
			   "ignores it and uses GPAs",
		.dma = VRS_PLAT_DMA_IOMMU, .view = VRS_VIEW_GPA,
		.why = "the buggy emulated Q35 IOMMU (seeds 001, 004)",
	},
	[VRS_PLAT_PPC64_PSERIES] = {
		.id = VRS_PLAT_PPC64_PSERIES, .name = "ppc64-pseries",
		.summary = "enumerated behind a TCE IOMMU the host ignores: "
			   "the device uses GPAs",
		.dma = VRS_PLAT_DMA_IOMMU, .view = VRS_VIEW_GPA,
		.why = "PPC64 virtio-pci quirk (seeds 001, 004)",
	},
	[VRS_PLAT_SPARC] = {
		.id = VRS_PLAT_SPARC, .name = "sparc",
		.summary = "enumerated behind an IOMMU the host ignores: the "
			   "device uses GPAs",
		.dma = VRS_PLAT_DMA_IOMMU, .view = VRS_VIEW_GPA,
		.why = "SPARC virtio-pci quirk (seed 004)",
	},
	[VRS_PLAT_XEN] = {
		.id = VRS_PLAT_XEN, .name = "xen",
		.summary = "Xen guest: the device uses machine addresses "
			   "(pfn != mfn)",
		.dma = VRS_PLAT_DMA_XEN, .view = VRS_VIEW_XEN,
		.xen_domain = true,
		.why = "virtio must use the DMA API on Xen (seeds 000, 002, 004)",
	},
	[VRS_PLAT_HW_VIRTIO] = {
		.id = VRS_PLAT_HW_VIRTIO, .name = "hw-virtio",
		.summary = "a real virtio PCI card behind a real IOMMU",
		.dma = VRS_PLAT_DMA_IOMMU, .view = VRS_VIEW_IOMMU,
		.why = "hardware virtio needs IOVAs (seeds 001, 004)",
	},
	[VRS_PLAT_SEV] = {
		.id = VRS_PLAT_SEV, .name = "sev",
		.summary = "AMD SEV guest: private pages read as ciphertext, "
			   "DMA bounced through shared swiotlb",
		.dma = VRS_PLAT_DMA_BOUNCE, .view = VRS_VIEW_GPA,
		.protected_memory = true,
		.restricted_mem_acc = true,
		.private_effect = VRS_PRIVATE_CIPHERTEXT,
		.why = "force_dma_unencrypted() (seed 003)",
	},
	[VRS_PLAT_TDX] = {
		.id = VRS_PLAT_TDX, .name = "tdx",
		.summary = "Intel TDX guest: private pages fault, DMA bounced "
			   "through shared swiotlb",
		.dma = VRS_PLAT_DMA_BOUNCE, .view = VRS_VIEW_GPA,
		.protected_memory = true,
		.restricted_mem_acc = true,
		.why = "protected guests (seed 003)",
	},
	[VRS_PLAT_S390_PV] = {
		.id = VRS_PLAT_S390_PV, .name = "s390-pv",
		.summary = "s390 protected virtualization, virtio-ccw: only "
			   "shared pages reachable",
		.dma = VRS_PLAT_DMA_BOUNCE, .view = VRS_VIEW_GPA,
		.protected_memory = true,
		.restricted_mem_acc = true,
		.why = "Halil Pasic's virtio-ccw case (seed 003)",
	},
	[VRS_PLAT_PPC_ULTRAVISOR] = {
		.id = VRS_PLAT_PPC_ULTRAVISOR, .name = "ppc-ultravisor",
		.summary = "POWER secure guest: shared pages only, bounced by "
			   "swiotlb",
		.dma = VRS_PLAT_DMA_BOUNCE, .view = VRS_VIEW_GPA,
		.protected_memory = true,
		.why = "the platform hook of the 2018 RFC (seed 002)",
	},
	[VRS_PLAT_RESTRICTED_POOL] = {
		.id = VRS_PLAT_RESTRICTED_POOL, .name = "restricted-pool",
		.summary = "restricted DMA pool: the device reaches only the "
			   "pool",
		.dma = VRS_PLAT_DMA_RESTRICTED, .view = VRS_VIEW_POOL_ONLY,
		.why = "restricted-dma-pool device-tree binding (Linux 5.15)",
	},
	[VRS_PLAT_ARM64_DMA_RANGES] = {
		.id = VRS_PLAT_ARM64_DMA_RANGES, .name = "arm64-dma-ranges",
		.summary = "arm64 SoC whose devices see RAM at another base "
			   "(dma-ranges): bus = GPA + 2 GiB",
		.dma = VRS_PLAT_DMA_DIRECT, .view = VRS_VIEW_DMA_OFFSET,
		.dma_offset = VRS_PLAT_DMA_RANGES_OFFSET,
		.why = "dma_range_map: translate_phys_to_dma/dma_to_phys, "
		       "include/linux/dma-direct.h (6.1, 6.12)",
	},
	[VRS_PLAT_PKVM] = {
		.id = VRS_PLAT_PKVM, .name = "pkvm",
		.summary = "Android pKVM protected guest: pages shared page by "
			   "page (MEM_SHARE), virtio through a restricted pool",
		.dma = VRS_PLAT_DMA_RESTRICTED, .view = VRS_VIEW_GPA,
		.protected_memory = true,
		.private_effect = VRS_PRIVATE_FAULTS,
		.why = "drivers/virt/coco/pkvm-guest/arm-pkvm-guest.c and "
		       "swiotlb.c rmem (6.12); no mem_acc callback",
	},
	[VRS_PLAT_ARM_CCA] = {
		.id = VRS_PLAT_ARM_CCA, .name = "arm-cca",
		.summary = "Arm CCA realm: the host reaches shared pages only "
			   "through the unprotected-IPA alias",
		.dma = VRS_PLAT_DMA_BOUNCE, .view = VRS_VIEW_SHARED_ALIAS,
		.protected_memory = true,
		.private_effect = VRS_PRIVATE_FAULTS,
		.shared_alias = VRS_PLAT_CCA_SHARED_ALIAS,
		.why = "rsi.c prot_ns_shared, asm/mem_encrypt.h "
		       "dma_addr_unencrypted (after 6.12); no mem_acc callback",
	},
};

const struct vrs_platform *vrs_platform_get(enum vrs_platform_id id)
{
	return (unsigned)id < VRS_PLAT_COUNT ? &platforms[id] : NULL;
}

int vrs_platform_by_name(const char *name, enum vrs_platform_id *out)
{
	for (unsigned i = 0; name && i < VRS_PLAT_COUNT; i++) {
		if (strcmp(platforms[i].name, name) == 0) {
			*out = (enum vrs_platform_id)i;
			return 0;
		}
	}
	return -ENOENT;
}

bool vrs_platform_device_uses_iommu(const struct vrs_platform *p,
				    bool access_platform)
{
	return p->view == VRS_VIEW_IOMMU ||
	       (p->view == VRS_VIEW_IOMMU_IF_AP && access_platform);
}
