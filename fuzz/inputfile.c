/* Input files: one reader for the replayer and vrsim decode, and the
 * decode of a file both print. */
#include <errno.h>
#include <stdlib.h>

#include "fuzz/target.h"

int vrs_fuzz_read_input(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	size_t cap = 1 << 16, n = 0, got;
	uint8_t *buf = malloc(cap);
	int rc = buf ? 0 : -ENOMEM;
	errno = 0;
	while (!rc && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n < cap)
			continue;
		uint8_t *bigger = cap < VRS_FUZZ_INPUT_MAX
			? realloc(buf, cap * 2) : NULL;
		if (!bigger) {
			rc = cap < VRS_FUZZ_INPUT_MAX ? -ENOMEM : -EFBIG;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	/* A directory opens, and fails only here (EISDIR). */
	if (!rc && ferror(f))
		rc = errno ? -errno : -EIO;
	fclose(f);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*data = buf;
	*len = n;
	return 0;
}

int vrs_fuzz_decode_file(const struct vrs_fuzz_target *t, const char *path,
			 FILE *f)
{
	uint8_t *data;
	size_t len;
	int rc = vrs_fuzz_read_input(path, &data, &len);
	if (rc < 0)
		return rc;
	fprintf(f, "== %s (%zu bytes)\n", path, len);
	t->decode(data, len, f);
	free(data);
	return 0;
}
