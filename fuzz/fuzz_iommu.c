/* fuzz_iommu: the simulated IOMMU (dma/iommu.c, iova.c, iotlb.c) alone,
 * against a reference model of what the device may reach: the live
 * mappings and, in lazy mode, the unmapped ones whose IOTLB invalidation is
 * still queued. Every device translation is checked against it:
 *   - inside a live mapping: the right GPA, or NO_READ / NO_WRITE exactly
 *     as the mapping's prot says, never through a stale entry;
 *   - inside an unmapped-but-not-flushed mapping (lazy): UNMAPPED, or a
 *     success flagged stale that still lands on the old GPA;
 *   - anywhere else (never mapped, unmapped in strict mode, flushed,
 *     invalidated): UNMAPPED.
 * A success the device should not have had is a STALE_IOTLB finding when
 * the address was mapped once, DATA_INTEGRITY when it never was.
 *
 * Input: byte 0 bit 0 picks lazy (1) or strict (0) invalidation; then up
 * to 512 operations, an opcode byte (mod 16, weighted by the opcodes table
 * of iommuops.c) and fixed-width arguments reduced into range against the
 * current state, so every byte sequence is a program.
 *
 * Description syntax (encode; decode prints the same one op per line):
 *   mode=lazy ops=N opseed=S      N generated op bytes (seeded splitmix64)
 *   [mode=lazy|mode=strict;] OP; OP; ...   an explicit program (strict by
 *   default); OP is one of
 *     map GPA SIZE PROT            PROT r|w|rw; GPA + SIZE inside the 16 MiB
 *     unmap H                      handle H (the H-th successful map)
 *     flush                        run the lazy flush queue
 *     invalidate-all               drop every device IOTLB entry
 *     set-lazy | set-strict        switch mode (going strict flushes)
 *     translate H [OFF] [read|write]        OFF bytes from the first page
 *     translate-stale H [OFF] [read|write]  of mapping H (a live one for
 *                                           translate, an unmapped one
 *                                           for translate-stale)
 *     translate-next H [OFF] [read|write]   the page after mapping H
 *     translate-addr ADDR [read|write]      any IOVA near the aperture
 *   A handle of the wrong state selects the next one of the right state.
 *
 * Armed: DATA_INTEGRITY, STALE_IOTLB, PROTOCOL (vrs_iommu_check, page
 * accounting, placement, a result the model rules out).
 *
 * The model is iommumodel.c, the ops' format iommuops.c, and dmaops.c
 * runs the op stream (in vrsim_fuzz, so `vrsim decode` reads these inputs
 * too). */
#include "fuzz/target.h"

VRS_FUZZ_TARGET(vrs_fuzz_iommu_target);
