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
 *   4..5 queue size 6 flags         7 fail_nth      8 min_align_mask
 *   9..12 seed (Xen p2m scramble)   13..15 reserved (zero)
 * New fields only ever take reserved bytes or are appended after a version
 * bump; corpora are replayed in the test suite so a change cannot silently
 * break them. */
#ifndef VRSIM_SIM_INPUT_H
#define VRSIM_SIM_INPUT_H

#include <stdio.h>

#include "sim/sim.h"

#define VRS_INPUT_VERSION 1
#define VRS_INPUT_CONFIG_LEN 16
#define VRS_INPUT_HEADER_LEN (1 + VRS_INPUT_CONFIG_LEN)

/* Offered-feature byte: one bit per ring feature, in this order. */
extern const unsigned vrs_input_feature_bits[8];
extern const char *const vrs_input_feature_names[8];

/* Config block flags. */
#define VRS_INPUT_F_BIG_ENDIAN 0x01u
#define VRS_INPUT_F_LAZY_IOTLB 0x02u
#define VRS_INPUT_F_FAIL_PERSISTENT 0x04u

/* Parse the header into *cfg (steps 0: run the stream to its end) and
 * point ops and ops_len at the operation stream. -EPROTONOSUPPORT for a
 * newer version; every other byte sequence parses. */
int vrs_input_parse(const uint8_t *data, size_t len,
		    struct vrs_sim_config *cfg, const uint8_t **ops,
		    size_t *ops_len);

/* Encode a configuration into a header (for corpus generation). */
void vrs_input_encode(const struct vrs_sim_config *cfg,
		      uint8_t out[VRS_INPUT_HEADER_LEN]);

/* Comma-separated names of the ring features in a feature mask. */
void vrs_input_feature_list(uint64_t features, char *buf, size_t len);

/* Print the configuration as readable lines. */
void vrs_input_print_config(const struct vrs_sim_config *cfg, FILE *f);

#endif
