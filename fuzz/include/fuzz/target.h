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

extern const struct vrs_fuzz_target vrs_fuzz_target;

/* Declare the target of this executable. */
#define VRS_FUZZ_TARGET(...)                                                   \
	const struct vrs_fuzz_target vrs_fuzz_target = {__VA_ARGS__}

#endif
