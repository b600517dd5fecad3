#include "testing.h"

#include <stdlib.h>

static struct vrs_gmem *test_gm;

struct vrs_gmem *vrs_test_gmem(void)
{
	if (!test_gm && vrs_gmem_create(16u << 20, &test_gm) < 0)
		abort();
	return test_gm;
}

void vrs_test_setup(void)
{
	vrs_gmem_reset(vrs_test_gmem());
	vrs_gmem_set_default_private(test_gm, false);
	vrs_report_set_mode(VRS_REPORT_RECORD);
	vrs_report_clear();
}

void vrs_test_teardown(void)
{
	/* Criterion runs each test in its own process; free for LSan. */
	vrs_gmem_destroy(test_gm);
	test_gm = NULL;
}

void vrs_test_fill(void *p, size_t len, uint8_t seed)
{
	uint8_t *b = p;
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i * 7u + (i >> 8));
}

bool vrs_test_has_pattern(const void *p, size_t len, uint8_t seed)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i] != (uint8_t)(seed + i * 7u + (i >> 8)))
			return false;
	return true;
}
