/* fuzz_empty: does nothing with its input. Built like every target, it is
 * the baseline the execs/s benchmark compares against. */
#include "fuzz/target.h"

static int init(void) { return 0; }
static int run(const uint8_t *data, size_t len) { return 0; }
static void cleanup(void) {}
static void decode(const uint8_t *data, size_t len, FILE *f)
{
	fprintf(f, "%zu bytes, ignored\n", len);
}

VRS_FUZZ_TARGET(.name = "fuzz_empty", .init = init, .run = run,
		.cleanup = cleanup, .decode = decode);
