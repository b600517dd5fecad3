/* The fuzz input format shared by the simulation targets:
 *
 *   byte 0        version (VRS_INPUT_VERSION; an input of a newer version
 *                 is ignored, never misread)
 *   bytes 1..16   configuration block (below); a short input reads zeros
 *   bytes 17..    the operation stream the scheduler and the models read
 *
 * Configuration block, each field reduced into its range so that every
 * byte sequence is a valid configuration:
 *   0 platform      1 policy        2 device        3 offered features
 *   4..5 queue size 6 flags (VRS_INPUT_F_*)         7 fail_nth      8 min_align_mask
 *   9..12 seed (Xen p2m scramble)   13 driver under test
 *   (sim/driver_registry.h; 0, what older inputs hold: vrsim's ring)
 *   14 (version 2) start: the rings' indices begin this many slots
 *      before the 16-bit wrap (split: avail and used idx at 65536 - n;
 *      packed: slot and wrap counter from the same count,
 *      vrs_packed_start); 0, what older inputs hold: at zero, as after a
 *      reset
 *   15 (version 2) what costs more per input, by value range, so that a
 *      fuzzer's random byte asks for it one time in eight and its corpus
 *      is not swamped by slow inputs (VRS_INPUT_X_*):
 *        0..159    nothing more
 *        160..191  a steady-state phase after the workload: 64 << (v % 7)
 *                  (64..4096) small complete cycles
 *        192..223  a big queue: sizes 2048..32768 instead of 2..1024
 *        224..255  long chains (fuzz_device's well-formed requests as long
 *                  as the queue or a 4096-entry indirect table allows),
 *                  and a big queue as well when v is odd
 * New fields only ever take reserved bytes or are appended after a version
 * bump. Every value of the scheduler's operation byte (sim.c decode_op)
 * already names an operation, so a new operation also needs a version
 * bump, with older inputs decoded as before; corpora are replayed in the
 * test suite so a change cannot silently break them. */
#ifndef VRSIM_SIM_INPUT_H
#define VRSIM_SIM_INPUT_H

#include <stdio.h>

#include "sim/sim.h"

/* 2: bytes 14 and 15 mean what they say below; a version 1 input (whose
 * reserved bytes a fuzzer may have filled with anything) decodes as it
 * always did, with neither. */
#define VRS_INPUT_VERSION 2
#define VRS_INPUT_CONFIG_LEN 16
#define VRS_INPUT_HEADER_LEN (1 + VRS_INPUT_CONFIG_LEN)

/* Offered-feature byte: one bit per ring feature, in this order. */
extern const unsigned vrs_input_feature_bits[8];
extern const char *const vrs_input_feature_names[8];

/* Config block flags. */
#define VRS_INPUT_F_BIG_ENDIAN 0x01u
#define VRS_INPUT_F_LAZY_IOTLB 0x02u
#define VRS_INPUT_F_FAIL_PERSISTENT 0x04u
/* fuzz_linux_sim: compare the Linux ring with vrsim's (vrs_sim_differential) */
#define VRS_INPUT_F_DIFFERENTIAL 0x08u
/* fuzz_device's hostile driver maps the used ring read-only for the
 * device (a guest that hands a device side a ring it may not write) */
#define VRS_INPUT_F_RO_USED 0x10u
/* ... and moves the indirect tables it publishes to other memory, the
 * old mapping unmapped while descriptors still point there */
#define VRS_INPUT_F_REMAP_TABLES 0x20u
/* a target of Linux's device side runs vringh's _kern flavour (where a
 * bus address is a GPA) instead of its _iotlb one */
#define VRS_INPUT_F_KERN_FLAVOUR 0x40u

/* Byte 15's ranges. */
#define VRS_INPUT_X_STEADY 160u
#define VRS_INPUT_X_BIG 192u
#define VRS_INPUT_X_LONG 224u
#define VRS_INPUT_STEADY_LEVELS 7u
#define VRS_INPUT_STEADY_CYCLES(level) (64u << (level))

/* Parse the header into *cfg (steps 0: run the stream to its end) and
 * point ops and ops_len at the operation stream. -EPROTONOSUPPORT for a
 * newer version; every other byte sequence parses. */
int vrs_input_parse(const uint8_t *data, size_t len,
		    struct vrs_sim_config *cfg, const uint8_t **ops,
		    size_t *ops_len);

/* Encode a configuration into a header (for corpus generation). */
void vrs_input_encode(const struct vrs_sim_config *cfg,
		      uint8_t out[VRS_INPUT_HEADER_LEN]);

/* The feature bit of the name at s (len bytes): 0, or -ENOENT. */
int vrs_input_feature_bit(const char *s, size_t len, unsigned *bit);

/* Comma-separated names of the ring features in a feature mask. */
void vrs_input_feature_list(uint64_t features, char *buf, size_t len);

/* Print the configuration as readable lines. */
void vrs_input_print_config(const struct vrs_sim_config *cfg, FILE *f);

/* Who is under test when an input runs. */
enum vrs_input_role {
	VRS_ROLE_HONEST,      /* fuzz_sim: honest driver and device */
	VRS_ROLE_HOSTILE_DEV, /* fuzz_driver: the adversarial device */
	VRS_ROLE_HOSTILE_DRV, /* fuzz_device: a driver writing raw rings */
};

/* Turn a parsed configuration into what this role runs: the device kind,
 * and for honest parties a policy whose path works on the platform (a
 * policy that hands IOVAs to a device reading GPAs is the seeds' finding,
 * not the code's). False when nothing can run. */
bool vrs_input_prepare(enum vrs_input_role role, struct vrs_sim_config *cfg);

/* A fuzz target of one driver: every input this process parses runs it,
 * whatever its driver byte says (-1, the default: the byte decides). */
void vrs_input_set_driver(int driver);
/* The same for the device side under test (sim/device_registry.h): no
 * byte of the input names one, so a target of another device side than
 * vrsim's says so here (-1, the default: vrsim's, what the config block
 * means). */
void vrs_input_set_device_side(int id);

/* Print an input as a readable program: its configuration, then every
 * event of its run. Runs in RECORD mode and restores the report mode. */
void vrs_input_decode(struct vrs_sim *s, enum vrs_input_role role,
		      const uint8_t *data, size_t len, FILE *f);

/* One line of key=value words for an input: its driver, platform, policy,
 * device and queue size, and from running it (RECORD mode) the DMA path,
 * ring layout, negotiated features, outcome, steps, buffers the device
 * used and the driver completed, and findings; "outcome=not-run" when
 * nothing runs. For coverage matrices. */
void vrs_input_summarize(struct vrs_sim *s, enum vrs_input_role role,
			 const uint8_t *data, size_t len, FILE *f);

/* Build an input from a one-line description of space-separated
 * key=value words: driver= platform= policy= device= offer=(list|all|none)
 * queue= fail-nth= min-align= seed= start= (slots before the wrap, 0..255)
 * steady= (cycles: 0 or 64, 128, ..., 4096; not with a queue above 1024
 * or long-chains) ops= opseed= and the flags
 * big-endian, lazy-iotlb, fail-persistent, differential, long-chains,
 * ro-used, remap-tables, kern-flavour. ops=N appends N operation
 * bytes from a generator seeded with opseed. Bytes written, or -EINVAL
 * with the offending word printed to stderr. */
long vrs_input_encode_text(const char *description, uint8_t *out, size_t cap);

#endif
