/* Encoding an input from its one-line description. */
#include "encode.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sim/provider.h"

void vrs_encode_put8(struct vrs_encoder *e, uint8_t v)
{
	if (e->len < e->cap)
		e->out[e->len++] = v;
	else
		e->full = true;
}

void vrs_encode_put16(struct vrs_encoder *e, uint16_t v)
{
	vrs_encode_put8(e, (uint8_t)v);
	vrs_encode_put8(e, (uint8_t)(v >> 8));
}

void vrs_encode_put32(struct vrs_encoder *e, uint32_t v)
{
	vrs_encode_put16(e, (uint16_t)v);
	vrs_encode_put16(e, (uint16_t)(v >> 16));
}

void vrs_encode_put_seeded(struct vrs_encoder *e, uint64_t n, uint64_t seed)
{
	struct vrs_provider p;
	vrs_provider_seeded(&p, seed);
	for (uint64_t i = 0; i < n && !e->full; i++)
		vrs_encode_put8(e, vrs_provider_u8(&p));
}

bool vrs_encode_next_op(const char **s, struct vrs_encode_words *out,
			bool *bad)
{
	const char *p = *s;
	if (!*p)
		return false;
	const char *end = strchr(p, ';');
	if (!end)
		end = p + strlen(p);
	*s = *end ? end + 1 : end;
	out->n = 0;
	while (p < end) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		const char *w = p;
		while (p < end && !isspace((unsigned char)*p))
			p++;
		size_t len = (size_t)(p - w);
		if (!len)
			break;
		if (out->n == VRS_ENCODE_MAX_WORDS || len >= VRS_ENCODE_WORD_LEN) {
			*bad = true;
			return true;
		}
		memcpy(out->w[out->n], w, len);
		out->w[out->n++][len] = '\0';
	}
	return true;
}

bool vrs_encode_num(const char *w, uint64_t *v)
{
	if (!isdigit((unsigned char)w[0]))
		return false;
	char *end;
	*v = strtoull(w, &end, 0);
	return *end == '\0';
}

bool vrs_encode_key(const char *w, const char *key, uint64_t *v, bool *bad)
{
	size_t k = strlen(key);
	if (strncmp(w, key, k) != 0 || w[k] != '=')
		return false;
	if (!vrs_encode_num(w + k + 1, v))
		*bad = true;
	return true;
}

bool vrs_encode_plus(const char *w, const char *prefix, uint64_t *v)
{
	size_t k = strlen(prefix);
	return strncmp(w, prefix, k) == 0 && w[k] == '+' &&
	       vrs_encode_num(w + k + 1, v) && *v >= 1;
}
