/* The one contract every fuzz target implements (init, one input,
 * cleanup), and the three front ends that drive it: libFuzzer
 * (main_libfuzzer.c), AFL++ persistent mode (main_afl.c) and a standalone
 * replayer that builds with plain gcc (main_replay.c). */
#ifndef VRSIM_FUZZ_TARGET_H
#define VRSIM_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vrs_fuzz_target {
	const char *name;
	/* Once per process; 0 or a negative errno. */
	int (*init)(void);
	/* One input. Every byte sequence is valid: a finding of a kind the
	 * target arms aborts inside, with the decoded input and the trace
	 * tail on stderr; anything else returns 0. */
	int (*run)(const uint8_t *data, size_t len);
	void (*cleanup)(void);
	/* Print the input as a readable program. */
	void (*decode)(const uint8_t *data, size_t len, FILE *f);
	/* One line of key=value words: what the input configured and what
	 * its run reached (NULL when the target has no configuration). */
	void (*summarize)(const uint8_t *data, size_t len, FILE *f);
	/* Build an input from a readable one-line description (the seed
	 * corpora are generated this way, never hand-edited): bytes written
	 * to out, or a negative errno with the reason printed to stderr. */
	long (*encode)(const char *description, uint8_t *out, size_t cap);
};

/* This executable's target, the one its front end drives: each fuzz_X.c
 * names it with VRS_FUZZ_TARGET. */
extern const struct vrs_fuzz_target *const vrs_fuzz_target;
#define VRS_FUZZ_TARGET(target)                                                \
	const struct vrs_fuzz_target *const vrs_fuzz_target = &(target)

/* The targets vrsim_fuzz defines: every one but fuzz_empty. */
extern const struct vrs_fuzz_target vrs_fuzz_sim_target;
extern const struct vrs_fuzz_target vrs_fuzz_driver_target;
extern const struct vrs_fuzz_target vrs_fuzz_device_target;
extern const struct vrs_fuzz_target vrs_fuzz_swiotlb_target;
extern const struct vrs_fuzz_target vrs_fuzz_iommu_target;

/* Those targets by name (registry.c, which links all of them in: a fuzz
 * executable does not use it), NULL-terminated, fuzz_sim first. */
extern const struct vrs_fuzz_target *const vrs_fuzz_targets[];
/* 0 and *t, or -ENOENT. */
int vrs_fuzz_target_find(const char *name, const struct vrs_fuzz_target **t);

/* The whole of an input file in *data (free() it): 0 or a negative errno
 * (-EFBIG past VRS_FUZZ_INPUT_MAX). */
#define VRS_FUZZ_INPUT_MAX ((size_t)64 << 20)
int vrs_fuzz_read_input(const char *path, uint8_t **data, size_t *len);
/* "== PATH (N bytes)", then the input decoded by t (initialised): what
 * replay_X --decode and vrsim decode print. 0, or a negative errno when
 * the file cannot be read (nothing printed). */
int vrs_fuzz_decode_file(const struct vrs_fuzz_target *t, const char *path,
			 FILE *f);

#endif
