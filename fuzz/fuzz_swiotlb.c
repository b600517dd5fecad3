/* fuzz_swiotlb: the SWIOTLB backend (dma/swiotlb.c) alone, against a
 * reference model of every byte the device and the CPU must see, with the
 * copy semantics dma/swiotlb.h documents (Linux 6.1): map always copies the
 * original into the slot; unmap and sync_for_cpu copy back for FROM_DEVICE
 * and BIDIRECTIONAL; sync_for_device copies out for TO_DEVICE and
 * BIDIRECTIONAL; a partial sync copies exactly its range.
 *
 * Input: byte 0 picks the device's min_align_mask (value mod 4: 0, 0x7ff,
 * 0xfff, 0x3f); then up to 256 operations, an opcode byte (mod 16,
 * weighted by the opcodes table of swiotlbops.c) and fixed-width
 * arguments, each reduced into its range against the current state, so
 * every byte sequence is a program.
 *
 * Description syntax (encode; decode prints the same one op per line):
 *   mask=0xfff ops=N opseed=S    N generated op bytes (seeded splitmix64)
 *   [mask=M;] OP; OP; ...         an explicit program; OP is one of
 *     map SIZE DIR [BUF [OFF]]     DIR to-device|from-device|bidirectional;
 *                                  original at offset OFF of buffer BUF
 *                                  (0..3: 4, 16, 64, 320 KiB)
 *     unmap H [+D|-D]              unmap handle H, its size off by D
 *     sync-cpu H OFF LEN [DIR]     OFF bytes into mapping H, or end+N past
 *     sync-device H OFF LEN [DIR]  its end; LEN, or rest+N (N too many);
 *                                  DIR defaults to the mapping's
 *     device-write H OFF LEN [VAL] the device stores LEN bytes in the slot
 *     cpu-write BUF OFF LEN [VAL]  the CPU stores LEN bytes in a buffer
 *     alloc SIZE                   pool allocation (restricted DMA pool)
 *     free H [+D|-D]
 *   Handles number the successful maps and allocs from 0. A handle that is
 *   not live (or of the wrong kind) selects the next live one.
 *
 * Armed: DATA_INTEGRITY (a byte differs from the model) and PROTOCOL
 * (backend check, slot accounting or placement wrong, a result the model
 * rules out). DMA_MISUSE is the backend's expected answer to the misuse
 * ops; the model checks it fires exactly when it should.
 *
 * The model is swiotlbmodel.c, the ops' format swiotlbops.c, and
 * dmaops.c runs the op stream (in vrsim_fuzz, so `vrsim decode` reads
 * these inputs too). */
#include "fuzz/target.h"

VRS_FUZZ_TARGET(vrs_fuzz_swiotlb_target);
