/* Parsing and printing of the fuzz input header; see sim/input.h. */
#include "sim/input.h"

#include <errno.h>
#include <string.h>

#include "vrsim/virtio.h"

const unsigned vrs_input_feature_bits[8] = {
	VRS_F_INDIRECT_DESC, VRS_F_EVENT_IDX,	   VRS_F_VERSION_1,
	VRS_F_ACCESS_PLATFORM, VRS_F_RING_PACKED,  VRS_F_IN_ORDER,
	VRS_F_NOTIFICATION_DATA, VRS_F_RING_RESET,
};

const char *const vrs_input_feature_names[8] = {
	"indirect", "event-idx", "version-1", "access-platform",
	"packed",   "in-order",  "notification-data", "ring-reset",
};

static const uint64_t align_masks[4] = {0, 0x7ff, 0xfff, 0x3f};

/* Queue sizes a run may use: 2..1024, log-uniform (small queues wrap
 * often and cost little per input): a power of two from the low byte, and
 * for packed rings an odd step below it from the high byte. */
static unsigned queue_size(uint16_t raw, bool packed)
{
	unsigned num = 2u << (raw & 0xff) % 10;
	if (packed)
		num -= (raw >> 8) % (num / 2);
	return num;
}

int vrs_input_parse(const uint8_t *data, size_t len,
		    struct vrs_sim_config *cfg, const uint8_t **ops,
		    size_t *ops_len)
{
	uint8_t h[VRS_INPUT_HEADER_LEN] = {0};
	memcpy(h, data, len < sizeof(h) ? len : sizeof(h));
	/* Version 0 (an empty or zeroed input) reads as the current one. */
	if (h[0] > VRS_INPUT_VERSION)
		return -EPROTONOSUPPORT;
	const uint8_t *c = h + 1;
	uint64_t offered = 0;
	for (unsigned i = 0; i < 8; i++)
		if (c[3] & (1u << i))
			offered |= VRS_BIT(vrs_input_feature_bits[i]);
	bool packed = vrs_has_feature(offered, VRS_F_RING_PACKED) &&
		      vrs_has_feature(offered, VRS_F_VERSION_1);
	*cfg = (struct vrs_sim_config){
		.platform = c[0] % VRS_PLAT_COUNT,
		.policy = c[1] % VRS_POLICY_COUNT,
		.device = c[2] % VRS_DEV_COUNT,
		.offered = offered,
		.driver_features = VRS_DRIVER_FEATURES_ALL,
		.queue_size = queue_size((uint16_t)(c[4] | c[5] << 8), packed),
		.big_endian_guest = c[6] & VRS_INPUT_F_BIG_ENDIAN,
		.lazy_iotlb = c[6] & VRS_INPUT_F_LAZY_IOTLB,
		.fail_persistent = c[6] & VRS_INPUT_F_FAIL_PERSISTENT,
		.fail_nth = c[7],
		.min_align_mask = align_masks[c[8] % 4],
		.seed = (uint64_t)c[9] | (uint64_t)c[10] << 8 |
			(uint64_t)c[11] << 16 | (uint64_t)c[12] << 24,
	};
	*ops = len > sizeof(h) ? data + sizeof(h) : NULL;
	*ops_len = len > sizeof(h) ? len - sizeof(h) : 0;
	return 0;
}

void vrs_input_encode(const struct vrs_sim_config *cfg,
		      uint8_t out[VRS_INPUT_HEADER_LEN])
{
	memset(out, 0, VRS_INPUT_HEADER_LEN);
	uint8_t *c = out + 1;
	out[0] = VRS_INPUT_VERSION;
	c[0] = (uint8_t)cfg->platform;
	c[1] = (uint8_t)cfg->policy;
	c[2] = (uint8_t)cfg->device;
	for (unsigned i = 0; i < 8; i++)
		if (vrs_has_feature(cfg->offered, vrs_input_feature_bits[i]))
			c[3] |= (uint8_t)(1u << i);
	/* the smallest power of two at or above the size, and the step */
	unsigned shift = 0;
	while ((2u << shift) < cfg->queue_size && shift < 9)
		shift++;
	c[4] = (uint8_t)shift;
	c[5] = (uint8_t)((2u << shift) - cfg->queue_size);
	c[6] = (uint8_t)((cfg->big_endian_guest ? VRS_INPUT_F_BIG_ENDIAN : 0) |
			 (cfg->lazy_iotlb ? VRS_INPUT_F_LAZY_IOTLB : 0) |
			 (cfg->fail_persistent ? VRS_INPUT_F_FAIL_PERSISTENT : 0));
	c[7] = (uint8_t)(cfg->fail_nth > 255 ? 255 : cfg->fail_nth);
	for (uint8_t i = 0; i < 4; i++)
		if (align_masks[i] == cfg->min_align_mask)
			c[8] = i;
	for (unsigned i = 0; i < 4; i++)
		c[9 + i] = (uint8_t)(cfg->seed >> (8 * i));
}

void vrs_input_feature_list(uint64_t features, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < 8 && n < len; i++) {
		if (!vrs_has_feature(features, vrs_input_feature_bits[i]))
			continue;
		int w = snprintf(buf + n, len - n, "%s%s", n ? "," : "",
				 vrs_input_feature_names[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	if (n == 0)
		snprintf(buf, len, "none");
}

void vrs_input_print_config(const struct vrs_sim_config *cfg, FILE *f)
{
	char feats[160];
	vrs_input_feature_list(cfg->offered, feats, sizeof(feats));
	fprintf(f, "platform   %s\n", vrs_platform_get(cfg->platform)->name);
	fprintf(f, "policy     %s\n", vrs_policy_name(cfg->policy));
	fprintf(f, "device     %s\n", vrs_device_name(cfg->device));
	fprintf(f, "offered    %s\n", feats);
	fprintf(f, "queue      %u\n", cfg->queue_size);
	fprintf(f, "guest      %s-endian\n",
		cfg->big_endian_guest ? "big" : "little");
	fprintf(f, "iotlb      %s\n", cfg->lazy_iotlb ? "lazy" : "strict");
	fprintf(f, "min_align  %#llx\n", (unsigned long long)cfg->min_align_mask);
	if (cfg->fail_nth)
		fprintf(f, "fail_nth   %u%s\n", cfg->fail_nth,
			cfg->fail_persistent ? " and every later one" : "");
	else
		fprintf(f, "fail_nth   never\n");
	fprintf(f, "seed       %llu\n", (unsigned long long)cfg->seed);
}
