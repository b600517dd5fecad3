/* The oracle sink: every finding, from any layer, goes through vrs_report()
 * with a distinct kind, so that crashes deduplicate by kind and a reader sees
 * at once which invariant broke. base/report.c implements it; dma/ and ring/
 * only call it. */
#ifndef VRSIM_REPORT_H
#define VRSIM_REPORT_H

#include "vrsim/types.h"

#define VRS_FINDING_KINDS(X)                                                   \
	/* device access problems (sim/ bus) */                                \
	X(DMA_FAULT, "dma-fault")                                              \
	X(PRIVATE_ACCESS, "private-memory-access")                             \
	X(STALE_IOTLB, "stale-iotlb")                                          \
	/* DMA-API debug (dma/debug.c), as Linux's dma-debug */                \
	X(DEBUG_UNMAP_UNKNOWN, "dma-debug-unmap-unknown")                      \
	X(DEBUG_WRONG_SIZE, "dma-debug-wrong-size")                            \
	X(DEBUG_WRONG_DIR, "dma-debug-wrong-direction")                        \
	X(DEBUG_WRONG_FUNCTION, "dma-debug-wrong-function")                    \
	X(DEBUG_SYNC_UNMAPPED, "dma-debug-sync-unmapped")                      \
	X(DEBUG_SYNC_RANGE, "dma-debug-sync-out-of-range")                     \
	X(DEBUG_SYNC_WRONG_DIR, "dma-debug-sync-wrong-direction")              \
	X(DEBUG_UNCHECKED_ERROR, "dma-debug-mapping-error-not-checked")        \
	X(DEBUG_BAD_DIR, "dma-debug-invalid-direction")                        \
	X(DEBUG_LEAK, "dma-debug-leak")                                        \
	/* misuse caught inside a backend (bad size, address, state) */        \
	X(DMA_MISUSE, "dma-api-misuse")                                        \
	/* the ring and simulation oracles */                                  \
	X(DATA_INTEGRITY, "data-integrity")                                    \
	X(LIVENESS, "liveness")                                                \
	X(PROTOCOL, "protocol")                                                \
	/* vrsim's own invariants (VRS_ALWAYS / VRS_NEVER, vrsim/guard.h) */   \
	X(INTERNAL, "vrsim-internal")                                          \
	/* the real Linux ring (kernel/): its own alarms, its API contract */  \
	X(KERNEL_BUG, "kernel-bug")                                            \
	X(KERNEL_WARN, "kernel-warn")                                          \
	X(KERNEL_LEAK, "kernel-memory-leak")                                   \
	X(API_CONTRACT, "api-contract")                                        \
	/* two drivers, one workload, different results (differential mode) */ \
	X(DIVERGENCE, "differential-divergence")                               \
	/* the device took what the spec's referee refuses, or the reverse */  \
	X(DEVICE_ACCEPTANCE, "device-acceptance")                              \
	/* a kernel ring's own state failed its check (sim/checks.c) */     \
	X(KERNEL_STATE, "kernel-state-corrupt")

enum vrs_finding {
#define VRS_FINDING_ENUM(id, name) VRS_FIND_##id,
	VRS_FINDING_KINDS(VRS_FINDING_ENUM)
#undef VRS_FINDING_ENUM
	VRS_FIND_COUNT
};

/* What a report does. RECORD counts and keeps the message (tests, the
 * matrix); ABORT prints it and traps in a per-kind function so that fuzzers
 * see one stack per kind. */
enum vrs_report_mode {
	VRS_REPORT_RECORD = 0,
	VRS_REPORT_ABORT,
};

const char *vrs_finding_name(enum vrs_finding kind);

void vrs_report(enum vrs_finding kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void vrs_report_set_mode(enum vrs_report_mode mode);
/* A report of KIND whose message starts with PREFIX (where * and ?
 * stand for any text, as in a shell pattern) is printed as
 * "acknowledged" (or, quiet, only counted in vrs_report_acknowledged)
 * and neither counted as a finding nor trapped, so an input can show
 * what lies past a known kernel finding (a catalogue entry's
 * Acknowledge: line): replay_* --acknowledge, and the fuzz targets'
 * VRSIM_ACKNOWLEDGE for the entries a campaign steps over. 0, or -EINVAL
 * (empty or too long a prefix, too many). */
int vrs_report_acknowledge(enum vrs_finding kind, const char *prefix);
/* The same from "KIND:PREFIX": 0, or -EINVAL with why filled. */
int vrs_report_acknowledge_spec(const char *spec, bool quiet, char *why,
				size_t len);
unsigned vrs_report_acknowledged(void);
/* The record of findings (counts and last messages), kept aside and put
 * back: a differential run's second, reference run must not wipe what
 * the first found (sim/devdiff.c). */
struct vrs_report_saved {
	unsigned count[VRS_FIND_COUNT];
	unsigned total;
	char last[VRS_FIND_COUNT][256];
};
void vrs_report_save(struct vrs_report_saved *out);
void vrs_report_restore(const struct vrs_report_saved *in);
/* The kind a name such as "api-contract" stands for: 0 or -ENOENT. */
int vrs_finding_by_name(const char *name, enum vrs_finding *kind);
/* In ABORT mode, only the kinds in this mask (bit per kind) abort; the
 * others are recorded. Default: all. A fuzz target arms what is a bug for
 * it (a DMA fault is expected when the driver under test is hostile). */
void vrs_report_set_armed(uint64_t mask);
uint64_t vrs_report_armed(void);
#define VRS_FIND_BIT(kind) (1ull << (kind))
#define VRS_FIND_ALL (~0ull)
/* Called before an abort, to print context (decoded input, trace). */
void vrs_report_set_abort_hook(void (*hook)(void *ctx), void *ctx);
enum vrs_report_mode vrs_report_mode(void);
/* Findings of one kind (or all, with VRS_FIND_COUNT) since the last clear. */
unsigned vrs_report_count(enum vrs_finding kind);
/* The most recent message of that kind ("" when none). */
const char *vrs_report_last(enum vrs_finding kind);
void vrs_report_clear(void);

#endif
