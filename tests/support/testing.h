/* Shared fixtures for the Criterion suites. */
#ifndef VRSIM_TESTING_H
#define VRSIM_TESTING_H

#include "vrsim/gmem.h"
#include "vrsim/report.h"

#include <errno.h>
#include <stdbool.h>

/* 16 MiB of guest memory, created on first use and reset by each fixture. */
struct vrs_gmem *vrs_test_gmem(void);
/* Criterion .init: fresh guest memory and oracle counts, RECORD mode. */
void vrs_test_setup(void);
void vrs_test_teardown(void);
/* Fill len bytes with a pattern derived from seed; check it back. */
void vrs_test_fill(void *p, size_t len, uint8_t seed);
bool vrs_test_has_pattern(const void *p, size_t len, uint8_t seed);

#endif
