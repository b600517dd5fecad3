/* libFuzzer front end. */
#include <stdlib.h>

#include "fuzz/target.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void cleanup(void)
{
	vrs_fuzz_target->cleanup();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (vrs_fuzz_target->init() < 0) {
		fprintf(stderr, "%s: init failed\n", vrs_fuzz_target->name);
		exit(1);
	}
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vrs_fuzz_target->run(data, size);
	return 0;
}
