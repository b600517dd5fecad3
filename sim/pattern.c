/* The pattern table: 2 * VRS_PAT_SPAN pseudo-random bytes, so any window
 * of VRS_PAT_SPAN bytes starting in the first half is contiguous. */
#include "pattern.h"

#include <string.h>

#include "sim/provider.h"

static uint8_t table[2 * VRS_PAT_SPAN];
static bool ready;

static void fill_table(void)
{
	uint64_t st = 0x76727369u; /* fixed: runs reproduce everywhere */
	for (size_t i = 0; i < sizeof(table); i += 8) {
		uint64_t v = vrs_splitmix64(&st);
		memcpy(table + i, &v, 8);
	}
	ready = true;
}

const uint8_t *vrs_pat(enum vrs_pat_kind kind, uint32_t serial)
{
	if (__builtin_expect(!ready, 0))
		fill_table();
	/* Windows of different kinds or serials start far apart. */
	uint32_t start = (serial * 2654435761u + (uint32_t)kind * 21845u) %
			 VRS_PAT_SPAN;
	return table + start;
}

void vrs_pat_write(uint8_t *dst, enum vrs_pat_kind kind, uint32_t serial,
		   uint32_t off, size_t len)
{
	const uint8_t *p = vrs_pat(kind, serial);
	while (len) {
		off %= VRS_PAT_SPAN;
		size_t n = VRS_PAT_SPAN - off < len ? VRS_PAT_SPAN - off : len;
		memcpy(dst, p + off, n);
		dst += n;
		off += (uint32_t)n;
		len -= n;
	}
}

size_t vrs_pat_mismatch(const uint8_t *src, enum vrs_pat_kind kind,
			uint32_t serial, uint32_t off, size_t len)
{
	const uint8_t *p = vrs_pat(kind, serial);
	size_t done = 0;
	while (done < len) {
		uint32_t o = (uint32_t)((off + done) % VRS_PAT_SPAN);
		size_t n = VRS_PAT_SPAN - o < len - done ? VRS_PAT_SPAN - o
							  : len - done;
		if (memcmp(src + done, p + o, n) != 0) {
			for (size_t i = 0; i < n; i++)
				if (src[done + i] != p[o + i])
					return done + i;
		}
		done += n;
	}
	return len;
}
