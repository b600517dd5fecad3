/* Parsing and printing of the fuzz input header; see sim/input.h. */
#include "sim/input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/provider.h"
#include "vrsim/report.h"

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
 * often and cost little per input), or with big set 2048..32768 (what
 * real devices run, packed up to the spec's maximum): a power of two from
 * the low byte, and for packed rings an odd step below it from the high
 * byte. */
static unsigned queue_size(uint16_t raw, bool packed, bool big)
{
	unsigned num = big ? 2048u << (raw & 0xff) % 5 : 2u << (raw & 0xff) % 10;
	if (packed)
		num -= (raw >> 8) % (num / 2);
	return num;
}

static bool big_queue(uint8_t x)
{
	return (x >= VRS_INPUT_X_BIG && x < VRS_INPUT_X_LONG) ||
	       (x >= VRS_INPUT_X_LONG && (x & 1));
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
	/* Version 1 had bytes 14 and 15 reserved: whatever they hold there
	 * means nothing (version 0, a zeroed input, reads as the current). */
	if (h[0] == 1)
		h[1 + 14] = h[1 + 15] = 0;
	const uint8_t *c = h + 1;
	uint64_t offered = 0;
	for (unsigned i = 0; i < 8; i++)
		if (c[3] & (1u << i))
			offered |= VRS_BIT(vrs_input_feature_bits[i]);
	bool packed = vrs_has_feature(offered, VRS_F_RING_PACKED) &&
		      vrs_has_feature(offered, VRS_F_VERSION_1);
	*cfg = (struct vrs_sim_config){
		.driver = c[13] % VRS_DRIVER_COUNT,
		.platform = c[0] % VRS_PLAT_COUNT,
		.policy = c[1] % VRS_POLICY_COUNT,
		.device = c[2] % VRS_DEV_COUNT,
		.offered = offered,
		.driver_features = VRS_DRIVER_FEATURES_ALL,
		.queue_size = queue_size((uint16_t)(c[4] | c[5] << 8), packed,
					 big_queue(c[15])),
		.start = (uint16_t)(0x10000u - c[14]),
		.steady_cycles = c[15] >= VRS_INPUT_X_STEADY && c[15] < VRS_INPUT_X_BIG
			? VRS_INPUT_STEADY_CYCLES(c[15] % VRS_INPUT_STEADY_LEVELS)
			: 0,
		.long_chains = c[15] >= VRS_INPUT_X_LONG,
		.big_endian_guest = c[6] & VRS_INPUT_F_BIG_ENDIAN,
		.lazy_iotlb = c[6] & VRS_INPUT_F_LAZY_IOTLB,
		.fail_persistent = c[6] & VRS_INPUT_F_FAIL_PERSISTENT,
		.differential = c[6] & VRS_INPUT_F_DIFFERENTIAL,
		.ro_used = c[6] & VRS_INPUT_F_RO_USED,
		.remap_tables = c[6] & VRS_INPUT_F_REMAP_TABLES,
		.kern_flavour = c[6] & VRS_INPUT_F_KERN_FLAVOUR,
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
	bool big = cfg->queue_size > 1024;
	unsigned base = big ? 2048 : 2, shift = 0;
	while ((base << shift) < cfg->queue_size && shift < (big ? 4u : 9u))
		shift++;
	c[4] = (uint8_t)shift;
	c[5] = (uint8_t)((base << shift) - cfg->queue_size);
	/* The start byte counts slots before the wrap (0: at zero). */
	c[14] = (uint8_t)(0x10000u - cfg->start);
	/* One of byte 15's ranges (vrs_input_encode_text refuses what no
	 * range holds: a steady phase beside a big queue or long chains). */
	if (cfg->long_chains) {
		c[15] = (uint8_t)(VRS_INPUT_X_LONG | (big ? 1 : 0));
	} else if (big) {
		c[15] = VRS_INPUT_X_BIG;
	} else if (cfg->steady_cycles) {
		unsigned level = 0;
		while (level + 1 < VRS_INPUT_STEADY_LEVELS &&
		       VRS_INPUT_STEADY_CYCLES(level) < cfg->steady_cycles)
			level++;
		/* the value in the steady range whose % 7 is the level */
		unsigned v = VRS_INPUT_X_STEADY;
		while (v % VRS_INPUT_STEADY_LEVELS != level)
			v++;
		c[15] = (uint8_t)v;
	}
	c[6] = (uint8_t)((cfg->big_endian_guest ? VRS_INPUT_F_BIG_ENDIAN : 0) |
			 (cfg->lazy_iotlb ? VRS_INPUT_F_LAZY_IOTLB : 0) |
			 (cfg->fail_persistent ? VRS_INPUT_F_FAIL_PERSISTENT : 0) |
			 (cfg->differential ? VRS_INPUT_F_DIFFERENTIAL : 0) |
			 (cfg->ro_used ? VRS_INPUT_F_RO_USED : 0) |
			 (cfg->remap_tables ? VRS_INPUT_F_REMAP_TABLES : 0) |
			 (cfg->kern_flavour ? VRS_INPUT_F_KERN_FLAVOUR : 0));
	c[7] = (uint8_t)(cfg->fail_nth > 255 ? 255 : cfg->fail_nth);
	for (uint8_t i = 0; i < 4; i++)
		if (align_masks[i] == cfg->min_align_mask)
			c[8] = i;
	for (unsigned i = 0; i < 4; i++)
		c[9 + i] = (uint8_t)(cfg->seed >> (8 * i));
	c[13] = (uint8_t)cfg->driver;
}

int vrs_input_feature_bit(const char *s, size_t len, unsigned *bit)
{
	for (unsigned i = 0; i < 8; i++) {
		if (strlen(vrs_input_feature_names[i]) == len &&
		    strncmp(vrs_input_feature_names[i], s, len) == 0) {
			*bit = vrs_input_feature_bits[i];
			return 0;
		}
	}
	return -ENOENT;
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
	fprintf(f, "driver     %s\n", vrs_driver_name(cfg->driver));
	if (cfg->device_side != VRS_DEVSIDE_VRSIM)
		fprintf(f, "device-side %s\n",
			vrs_device_side_name(cfg->device_side));
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
	if (cfg->start)
		fprintf(f, "start      indices at %u (%u slots before the wrap)\n",
			cfg->start, 0x10000u - cfg->start);
	if (cfg->steady_cycles)
		fprintf(f, "steady     %u cycles after the workload\n",
			cfg->steady_cycles);
	if (cfg->differential)
		fprintf(f, "compare    with vrsim's %s (differential)\n",
			cfg->raw_driver ? "device side" : "ring");
	if (cfg->long_chains)
		fprintf(f, "chains     as long as the queue or a 4096-entry "
			"indirect table (fuzz_device)\n");
	if (cfg->ro_used)
		fprintf(f, "used ring  mapped read-only for the device "
			"(fuzz_device)\n");
	if (cfg->remap_tables)
		fprintf(f, "tables     unmapped after publishing, the next one "
			"elsewhere (fuzz_device)\n");
}

/* A driver that decides on the DMA API itself (Linux) takes its own path;
 * honest parties need one that works on the platform. A device that
 * offers VERSION_1 and ACCESS_PLATFORM is what such a platform's
 * hypervisor gives, so that is offered when what the input offered
 * would not work (a refusal at FEATURES_OK is clean, and allowed). */
static bool prepare_deciding_driver(enum vrs_input_role role,
				    const struct vrs_driver_ops *driver,
				    const struct vrs_platform *plat,
				    struct vrs_sim_config *cfg)
{
	if (role != VRS_ROLE_HONEST)
		return true;
	for (int tries = 0; tries < 2; tries++) {
		uint64_t accepted = vrs_sim_negotiate(cfg, driver);
		bool ap = vrs_has_feature(accepted, VRS_F_ACCESS_PLATFORM);
		enum vrs_policy_decision path =
			vrs_driver_decision(driver, accepted, plat);
		if (path == VRS_REFUSE || vrs_platform_path_works(plat, ap, path))
			return true;
		uint64_t need = VRS_BIT(VRS_F_VERSION_1) |
				VRS_BIT(VRS_F_ACCESS_PLATFORM);
		cfg->offered |= need;
		cfg->driver_features |= need;
	}
	return false;
}

static int forced_driver = -1;
static int forced_device_side = -1;

void vrs_input_set_driver(int driver)
{
	forced_driver = driver;
}

void vrs_input_set_device_side(int id)
{
	forced_device_side = id;
}

bool vrs_input_prepare(enum vrs_input_role role, struct vrs_sim_config *cfg)
{
	if (forced_driver >= 0)
		cfg->driver = (enum vrs_driver_id)forced_driver;
	if (forced_device_side >= 0)
		cfg->device_side = (enum vrs_device_side_id)forced_device_side;
	/* Linux's device side in its other flavour, when the input asks */
	if (cfg->device_side == VRS_DEVSIDE_LINUX && cfg->kern_flavour)
		cfg->device_side = VRS_DEVSIDE_LINUX_KERN;
	/* Differential mode compares another driver with vrsim's ring, with
	 * honest parties, or another device side with vrsim's, under a
	 * hostile driver; elsewhere the flag means nothing. */
	if (role == VRS_ROLE_HOSTILE_DRV ? cfg->device_side == VRS_DEVSIDE_VRSIM
					 : cfg->driver == VRS_DRIVER_VRSIM ||
						   role != VRS_ROLE_HONEST)
		cfg->differential = false;
	bool model_net = cfg->device == VRS_DEV_NET;
	cfg->device = role == VRS_ROLE_HOSTILE_DEV ? VRS_DEV_ADVERSARIAL
		      : model_net		   ? VRS_DEV_NET
						   : VRS_DEV_BLK;
	cfg->raw_driver = role == VRS_ROLE_HOSTILE_DRV;
	cfg->ro_used = cfg->ro_used && cfg->raw_driver;
	cfg->remap_tables = cfg->remap_tables && cfg->raw_driver;
	const struct vrs_platform *plat = vrs_platform_get(cfg->platform);
	const struct vrs_driver_ops *driver = vrs_driver_get(cfg->driver);
	const struct vrs_device_ops *side = vrs_device_side_get(cfg->device_side);
	if (!driver || !side)
		return false;
	/* A device side without the packed layout runs the split one: the
	 * power of two a packed size was drawn below (queue_size). */
	if (!vrs_has_feature(side->features, VRS_F_RING_PACKED))
		while (cfg->queue_size & (cfg->queue_size - 1))
			cfg->queue_size += cfg->queue_size & -cfg->queue_size;
	/* ... and a little-endian guest when it reads legacy rings only in
	 * the host's byte order. */
	if (!side->legacy_big_endian)
		cfg->big_endian_guest = false;
	if (driver->decide)
		return prepare_deciding_driver(role, driver, plat, cfg);
	bool ap = vrs_has_feature(cfg->offered & cfg->driver_features,
				  VRS_F_ACCESS_PLATFORM);
	/* Keep the platform; take the first policy from the chosen one on
	 * whose path honest parties work. */
	for (unsigned i = 0; i < VRS_POLICY_COUNT; i++) {
		enum vrs_policy p =
			(enum vrs_policy)((cfg->policy + i) % VRS_POLICY_COUNT);
		if (vrs_platform_path_works(plat, ap,
					    vrs_policy_decide(p, plat, ap))) {
			cfg->policy = p;
			return true;
		}
	}
	return false;
}

enum input_state { INPUT_UNREADABLE, INPUT_IDLE, INPUT_RUNS };

/* An input parsed and prepared for a role. */
struct prepared_input {
	enum input_state state;
	struct vrs_sim_config cfg;
	const uint8_t *ops;
	size_t ops_len;
};

/* UNREADABLE (the reason printed on f): a newer format; IDLE: no policy
 * works on its platform. */
static struct prepared_input prepare_input(enum vrs_input_role role,
					   const uint8_t *data, size_t len, FILE *f)
{
	struct prepared_input in = {.state = INPUT_UNREADABLE};
	if (vrs_input_parse(data, len, &in.cfg, &in.ops, &in.ops_len) < 0) {
		fprintf(f, "input version %u is newer than this vrsim (%u): "
			"not decoded\n", data[0], VRS_INPUT_VERSION);
		return in;
	}
	if (!in.ops)
		in.ops = data; /* an empty stream: any pointer will do */
	in.state = vrs_input_prepare(role, &in.cfg) ? INPUT_RUNS : INPUT_IDLE;
	return in;
}

/* Run in RECORD mode, so a finding is counted rather than aborting;
 * the report mode is restored. */
static void run_recorded(struct vrs_sim *s, const struct prepared_input *in,
			 FILE *live, struct vrs_sim_result *res)
{
	enum vrs_report_mode mode = vrs_report_mode();
	vrs_report_set_mode(VRS_REPORT_RECORD);
	vrs_sim_set_live_trace(s, live);
	vrs_sim_run(s, &in->cfg, in->ops, in->ops_len, res);
	vrs_sim_set_live_trace(s, NULL);
	vrs_report_set_mode(mode);
}

void vrs_input_decode(struct vrs_sim *s, enum vrs_input_role role,
		      const uint8_t *data, size_t len, FILE *f)
{
	struct prepared_input in = prepare_input(role, data, len, f);
	if (in.state == INPUT_UNREADABLE)
		return;
	vrs_input_print_config(&in.cfg, f);
	if (in.state == INPUT_IDLE) {
		fprintf(f, "no policy works on this platform: nothing runs\n");
		return;
	}
	fprintf(f, "operation bytes %zu\nprogram:\n", in.ops_len);
	struct vrs_sim_result res;
	run_recorded(s, &in, f, &res);
	fprintf(f, "outcome: %s; %u steps, %u submitted, %u completed, "
		"%u released\n", vrs_outcome_name(res.outcome), res.steps,
		res.submitted, res.completed, res.released);
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++)
		if (vrs_report_count(k))
			fprintf(f, "finding: [%s] x%u: %s\n", vrs_finding_name(k),
				vrs_report_count(k), vrs_report_last(k));
}

static const char *path_word(enum vrs_policy_decision d)
{
	return d == VRS_USE_DMA_API ? "dma-api"
	       : d == VRS_USE_PHYS  ? "phys"
				    : "refused";
}

void vrs_input_summarize(struct vrs_sim *s, enum vrs_input_role role,
			 const uint8_t *data, size_t len, FILE *f)
{
	struct prepared_input in = prepare_input(role, data, len, f);
	if (in.state == INPUT_UNREADABLE)
		return;
	fprintf(f, "driver=%s platform=%s policy=%s device=%s queue=%u",
		vrs_driver_name(in.cfg.driver),
		vrs_platform_get(in.cfg.platform)->name,
		vrs_policy_name(in.cfg.policy), vrs_device_name(in.cfg.device),
		in.cfg.queue_size);
	if (in.state == INPUT_IDLE) {
		fprintf(f, " outcome=not-run\n");
		return;
	}
	struct vrs_sim_result res;
	run_recorded(s, &in, NULL, &res);
	char feats[160];
	vrs_input_feature_list(res.accepted, feats, sizeof(feats));
	fprintf(f, " path=%s layout=%s negotiated=%s outcome=%s steps=%u "
		"used=%u completed=%u findings=%u\n", path_word(res.path),
		vrs_has_feature(res.accepted, VRS_F_RING_PACKED) ? "packed"
								 : "split",
		feats, vrs_outcome_name(res.outcome), res.steps, res.used,
		res.completed, res.findings);
}

static bool parse_u64(const char *v, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 0);
	if (!*v || *end || errno || *v == '-')
		return false;
	*out = x;
	return true;
}

static bool parse_features(const char *v, uint64_t *out)
{
	*out = 0;
	if (strcmp(v, "none") == 0)
		return true;
	if (strcmp(v, "all") == 0) {
		*out = VRS_DRIVER_FEATURES_ALL;
		return true;
	}
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *save, *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		unsigned bit;
		if (vrs_input_feature_bit(t, strlen(t), &bit) < 0)
			return false;
		*out |= VRS_BIT(bit);
	}
	return true;
}

/* One key=value word into the configuration or the op-stream plan. */
static bool apply_word(const char *w, struct vrs_sim_config *c,
		       uint64_t *ops, uint64_t *opseed)
{
	const char *eq = strchr(w, '=');
	const char *v = eq ? eq + 1 : "";
	size_t klen = eq ? (size_t)(eq - w) : strlen(w);
	uint64_t n;
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(w, k, klen) == 0)
	if (KEY("big-endian"))
		return c->big_endian_guest = true;
	if (KEY("lazy-iotlb"))
		return c->lazy_iotlb = true;
	if (KEY("fail-persistent"))
		return c->fail_persistent = true;
	if (KEY("differential"))
		return c->differential = true;
	if (KEY("ro-used"))
		return c->ro_used = true;
	if (KEY("remap-tables"))
		return c->remap_tables = true;
	if (KEY("kern-flavour"))
		return c->kern_flavour = true;
	if (KEY("long-chains"))
		return c->long_chains = true;
	if (KEY("driver"))
		return vrs_driver_by_name(v, &c->driver) == 0;
	if (KEY("platform"))
		return vrs_platform_by_name(v, &c->platform) == 0;
	if (KEY("policy"))
		return vrs_policy_by_name(v, &c->policy) == 0;
	if (KEY("device"))
		return vrs_device_by_name(v, &c->device) == 0;
	if (KEY("offer"))
		return parse_features(v, &c->offered);
	if (!parse_u64(v, &n))
		return false;
	if (KEY("queue"))
		return n >= 2 && n <= VRS_MAX_QUEUE_SIZE &&
		       (c->queue_size = (unsigned)n);
	if (KEY("start"))
		return n <= 255 && ((c->start = (uint16_t)(0x10000u - n)), true);
	if (KEY("steady")) {
		for (unsigned k = 0; k < VRS_INPUT_STEADY_LEVELS; k++)
			if (n == VRS_INPUT_STEADY_CYCLES(k))
				return (c->steady_cycles = (unsigned)n), true;
		return false;
	}
	if (KEY("fail-nth"))
		return n <= 255 && ((c->fail_nth = (uint32_t)n), true);
	if (KEY("min-align"))
		return (n == 0 || n == 0x7ff || n == 0xfff || n == 0x3f) &&
		       ((c->min_align_mask = n), true);
	if (KEY("seed"))
		return (c->seed = n & 0xffffffffu), true;
	if (KEY("ops"))
		return n <= (1u << 20) && ((*ops = n), true);
	if (KEY("opseed"))
		return (*opseed = n), true;
#undef KEY
	return false;
}

long vrs_input_encode_text(const char *description, uint8_t *out, size_t cap)
{
	struct vrs_sim_config c = {.policy = VRS_POLICY_TODAY,
				   .offered = VRS_DRIVER_FEATURES_ALL,
				   .queue_size = 64};
	uint64_t ops = 0, opseed = 1;
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", description);
	for (char *save, *w = strtok_r(buf, " \t\n", &save); w;
	     w = strtok_r(NULL, " \t\n", &save)) {
		if (!apply_word(w, &c, &ops, &opseed)) {
			fprintf(stderr, "encode: cannot use '%s'\n", w);
			return -EINVAL;
		}
	}
	if (c.steady_cycles && (c.queue_size > 1024 || c.long_chains)) {
		fprintf(stderr, "encode: steady= goes with neither a queue above "
			"1024 nor long-chains (one byte holds them)\n");
		return -EINVAL;
	}
	if (cap < VRS_INPUT_HEADER_LEN + ops)
		return -ENOSPC;
	vrs_input_encode(&c, out);
	struct vrs_provider p;
	vrs_provider_seeded(&p, opseed);
	for (uint64_t i = 0; i < ops; i++)
		out[VRS_INPUT_HEADER_LEN + i] = vrs_provider_u8(&p);
	return (long)(VRS_INPUT_HEADER_LEN + ops);
}
