/* Printable names for the shared DMA enums. */
#include "vrsim/types.h"
#include "vrsim/xlate.h"

const char *vrs_dma_dir_name(enum vrs_dma_dir dir)
{
	static const char *const names[] = {"BIDIRECTIONAL", "TO_DEVICE",
					    "FROM_DEVICE", "NONE"};
	return vrs_dma_dir_valid(dir) ? names[dir] : "INVALID";
}

const char *vrs_dma_kind_name(enum vrs_dma_kind kind)
{
	static const char *const names[] = {"page", "single", "coherent"};
	return (unsigned)kind < 3 ? names[kind] : "?";
}

const char *vrs_xlate_fault_name(enum vrs_xlate_fault fault)
{
	static const char *const names[VRS_XLATE_FAULT_COUNT] = {
		"ok", "unmapped", "no read permission", "no write permission",
		"outside guest memory"};
	return (unsigned)fault < VRS_XLATE_FAULT_COUNT ? names[fault] : "?";
}
