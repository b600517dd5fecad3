/* fuzz_empty: does nothing with its input. Built like every target, it is
 * the baseline the execs/s benchmark compares against. */
#include <string.h>

#include "fuzz/target.h"

static int init(void) { return 0; }
static int run(const uint8_t *data, size_t len) { return 0; }
static void cleanup(void) {}
static void decode(const uint8_t *data, size_t len, FILE *f)
{
	fprintf(f, "%zu bytes, ignored\n", len);
}

static long encode(const char *description, uint8_t *out, size_t cap)
{
	size_t n = strlen(description);
	if (n > cap)
		return -1;
	memcpy(out, description, n);
	return (long)n;
}

static const struct vrs_fuzz_target empty = {
	.name = "fuzz_empty",
	.init = init,
	.run = run,
	.cleanup = cleanup,
	.decode = decode,
	.encode = encode,
};

VRS_FUZZ_TARGET(empty);
