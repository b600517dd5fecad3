/* AFL++ front end: persistent mode with shared-memory test cases. Built
 * only with afl-clang-fast / afl-clang-lto, which define the __AFL_*
 * macros. */
#include <stdlib.h>
#include <unistd.h>

#include "fuzz/target.h"

__AFL_FUZZ_INIT();

int main(void)
{
	if (vrs_fuzz_target->init() < 0) {
		fprintf(stderr, "%s: init failed\n", vrs_fuzz_target->name);
		return 1;
	}
#ifdef __AFL_HAVE_MANUAL_CONTROL
	__AFL_INIT();
#endif
	const uint8_t *buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(100000)) {
		size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
		vrs_fuzz_target->run(buf, len);
	}
	vrs_fuzz_target->cleanup();
	return 0;
}
