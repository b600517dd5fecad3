/* dma/ links with the base alone: guest memory, a swiotlb pool and
 * dma-direct forced through it, as a protected guest maps a buffer. The
 * program is linked against vrsim_dma and nothing above it, so a call from
 * dma/ into ring/ or sim/ fails this build. Exit 0 when the bounce copies
 * the data both ways. */
#include <stdio.h>
#include <string.h>

#include "dma/direct.h"
#include "dma/swiotlb.h"
#include "vrsim/report.h"

int main(void)
{
	struct vrs_gmem *gm;
	struct vrs_swiotlb *sw;
	if (vrs_gmem_create(4u << 20, &gm) < 0 ||
	    vrs_swiotlb_create(gm, 256u << 10, &sw) < 0)
		return 1;
	struct vrs_direct direct;
	struct vrs_dma dma;
	vrs_direct_init(&direct, gm, &(struct vrs_direct_config){
		.swiotlb = sw, .force_bounce = true});
	vrs_direct_dma(&direct, &dma);

	vrs_gpa_t gpa;
	vrs_dma_addr_t bus;
	if (vrs_gmem_alloc(gm, 512, VRS_OWNER_BUFFER, &gpa) < 0)
		return 1;
	char *buf = vrs_gmem_hva(gm, gpa, 512);
	memcpy(buf, "to the device", 14);
	if (vrs_dma_map_single(&dma, buf, 512, VRS_DMA_BIDIRECTIONAL, &bus) < 0 ||
	    !vrs_swiotlb_owns(sw, bus))
		return 1;
	char *slot = vrs_gmem_hva(gm, bus, 512);
	int ok = memcmp(slot, "to the device", 14) == 0;
	memcpy(slot, "from the device", 16); /* the device writes the bounce */
	vrs_dma_unmap_single(&dma, bus, 512, VRS_DMA_BIDIRECTIONAL);
	ok &= memcmp(buf, "from the device", 16) == 0;
	ok &= vrs_swiotlb_check(sw) == 0 && vrs_report_count(VRS_FIND_COUNT) == 0;
	vrs_swiotlb_destroy(sw);
	vrs_gmem_destroy(gm);
	printf("dma alone: %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
