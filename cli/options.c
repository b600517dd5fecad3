/* Option arguments shared by the subcommands: numbers, driver, platform,
 * policy, device and feature names, and the words results are printed with. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "sim/input.h"
#include "vrsim/virtio.h"



static const char *const outcome_words[VRS_OUT_COUNT] = {
	[VRS_OUT_WORKS] = "works",
	[VRS_OUT_REFUSED] = "refused",
	[VRS_OUT_PRIVATE] = "private",
	[VRS_OUT_DMA_FAULT] = "dma-fault",
	[VRS_OUT_BROKEN] = "broken",
	[VRS_OUT_FINDING] = "finding",
};

int vrs_cli_parse(int argc, char **argv, const struct option *opts,
		  void (*usage)(FILE *),
		  int (*apply)(void *ctx, int c, const char *arg), void *ctx,
		  bool *done)
{
	int c;
	*done = false;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			*done = true;
			return 0;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "\n");
			usage(stderr);
			return 1;
		}
		if (apply(ctx, c, optarg) < 0)
			return 1;
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (see %s --help)\n",
			argv[0], argv[optind], argv[0]);
		return 1;
	}
	return 0;
}

int vrs_cli_number(const char *opt, const char *arg, unsigned long long min,
		   unsigned long long max, unsigned long long *out)
{
	/* strtoull skips blanks, takes signs (negating "-1" into a huge
	 * value) and a second 0x: accept only digits, after an optional 0x
	 * prefix for hexadecimal, and let strtoull judge only overflow. */
	int base = 10;
	const char *p = arg;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	size_t digits = strspn(p, base == 16 ? "0123456789abcdefABCDEF"
					     : "0123456789");
	if (digits == 0) {
		fprintf(stderr, "vrsim: --%s needs a number, not '%s'\n", opt,
			arg);
		return -1;
	}
	if (p[digits] != '\0') {
		fprintf(stderr, "vrsim: --%s: trailing characters in '%s'\n",
			opt, arg);
		return -1;
	}
	errno = 0;
	unsigned long long v = strtoull(p, NULL, base);
	if (errno == ERANGE || v < min || v > max) {
		fprintf(stderr, "vrsim: --%s: '%s' is out of range (%llu..%llu)\n",
			opt, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

void vrs_cli_print_names(FILE *f)
{
	fprintf(f, "drivers:  ");
	for (unsigned i = 0; i < VRS_DRIVER_COUNT; i++)
		if (vrs_driver_get((enum vrs_driver_id)i))
			fprintf(f, " %s", vrs_driver_name((enum vrs_driver_id)i));
	fprintf(f, "\ndevice sides:");
	for (unsigned i = 0; i < VRS_DEVSIDE_COUNT; i++)
		if (vrs_device_side_get((enum vrs_device_side_id)i))
			fprintf(f, " %s", vrs_device_side_name(
						  (enum vrs_device_side_id)i));
	fprintf(f, "\nplatforms:");
	for (unsigned i = 0; i < VRS_PLAT_COUNT; i++)
		fprintf(f, " %s", vrs_platform_get((enum vrs_platform_id)i)->name);
	fprintf(f, "\npolicies: ");
	for (unsigned i = 0; i < VRS_POLICY_COUNT; i++)
		fprintf(f, " %s", vrs_policy_name((enum vrs_policy)i));
	fprintf(f, "\ndevices:  ");
	for (unsigned i = 0; i < VRS_DEV_COUNT; i++)
		fprintf(f, " %s", vrs_device_name((enum vrs_device_kind)i));
	fprintf(f, "\nfeatures: ");
	for (unsigned i = 0; i < 8; i++)
		fprintf(f, " %s", vrs_input_feature_names[i]);
	fprintf(f, " (or all, none)\n");
}

int vrs_cli_driver(const char *arg, enum vrs_driver_id *out)
{
	if (vrs_driver_by_name(arg, out) == 0 && vrs_driver_get(*out))
		return 0;
	if (vrs_driver_by_name(arg, out) == 0)
		fprintf(stderr, "vrsim: driver '%s' is not built into this "
			"vrsim (configure with -DVRSIM_LINUX_SRC=DIR|FILE.tar.xz, "
			"docs/linux-ring.md); drivers here:", arg);
	else
		fprintf(stderr, "vrsim: unknown driver '%s'; valid drivers:",
			arg);
	for (unsigned i = 0; i < VRS_DRIVER_COUNT; i++)
		if (vrs_driver_get((enum vrs_driver_id)i))
			fprintf(stderr, " %s",
				vrs_driver_name((enum vrs_driver_id)i));
	fputc('\n', stderr);
	return -1;
}

int vrs_cli_device_side(const char *arg, enum vrs_device_side_id *out)
{
	if (vrs_device_side_by_name(arg, out) == 0 && vrs_device_side_get(*out))
		return 0;
	if (vrs_device_side_by_name(arg, out) == 0)
		fprintf(stderr, "vrsim: device side '%s' is not built into this "
			"vrsim (configure with -DVRSIM_LINUX_SRC=DIR|FILE.tar.xz, "
			"docs/linux-ring.md); device sides here:", arg);
	else
		fprintf(stderr, "vrsim: unknown device side '%s'; valid device "
			"sides:", arg);
	for (unsigned i = 0; i < VRS_DEVSIDE_COUNT; i++)
		if (vrs_device_side_get((enum vrs_device_side_id)i))
			fprintf(stderr, " %s", vrs_device_side_name(
						       (enum vrs_device_side_id)i));
	fputc('\n', stderr);
	return -1;
}

int vrs_cli_platform(const char *arg, enum vrs_platform_id *out)
{
	if (vrs_platform_by_name(arg, out) == 0)
		return 0;
	fprintf(stderr, "vrsim: unknown platform '%s'; valid platforms:", arg);
	for (unsigned i = 0; i < VRS_PLAT_COUNT; i++)
		fprintf(stderr, " %s",
			vrs_platform_get((enum vrs_platform_id)i)->name);
	fputc('\n', stderr);
	return -1;
}

int vrs_cli_policy(const char *arg, enum vrs_policy *out)
{
	if (vrs_policy_by_name(arg, out) == 0)
		return 0;
	fprintf(stderr, "vrsim: unknown policy '%s'; valid policies:", arg);
	for (unsigned i = 0; i < VRS_POLICY_COUNT; i++)
		fprintf(stderr, " %s", vrs_policy_name((enum vrs_policy)i));
	fputc('\n', stderr);
	return -1;
}

int vrs_cli_device(const char *arg, enum vrs_device_kind *out)
{
	if (vrs_device_by_name(arg, out) == 0)
		return 0;
	fprintf(stderr, "vrsim: unknown device '%s'; valid devices:", arg);
	for (unsigned i = 0; i < VRS_DEV_COUNT; i++)
		fprintf(stderr, " %s", vrs_device_name((enum vrs_device_kind)i));
	fputc('\n', stderr);
	return -1;
}

/* One name of the list, len characters at s, into bits. */
static int feature_item(const char *s, size_t len, uint64_t *bits)
{
	if (len == 3 && strncmp(s, "all", 3) == 0) {
		*bits |= VRS_DRIVER_FEATURES_ALL;
		return 0;
	}
	if (len == 4 && strncmp(s, "none", 4) == 0)
		return 0;
	unsigned bit;
	if (vrs_input_feature_bit(s, len, &bit) == 0) {
		*bits |= VRS_BIT(bit);
		return 0;
	}
	fprintf(stderr, "vrsim: unknown feature '%.*s'; valid features:",
		(int)len, s);
	for (unsigned i = 0; i < 8; i++)
		fprintf(stderr, " %s", vrs_input_feature_names[i]);
	fprintf(stderr, " (or all, none)\n");
	return -1;
}

int vrs_cli_features(const char *arg, uint64_t *out)
{
	uint64_t bits = 0;
	const char *s = arg;
	for (;;) {
		size_t len = strcspn(s, ",");
		if (len == 0) {
			fprintf(stderr, "vrsim: empty name in feature list '%s' "
					"(use 'none' for no features)\n", arg);
			return -1;
		}
		if (feature_item(s, len, &bits) < 0)
			return -1;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	*out = bits;
	return 0;
}

void vrs_cli_feature_list(uint64_t bits, char *buf, size_t len)
{
	vrs_input_feature_list(bits, buf, len);
}

const char *vrs_cli_outcome_word(enum vrs_outcome o)
{
	return (unsigned)o < VRS_OUT_COUNT ? outcome_words[o] : "?";
}

const char *vrs_cli_path_name(enum vrs_policy_decision d)
{
	switch (d) {
	case VRS_USE_DMA_API:
		return "DMA API";
	case VRS_USE_PHYS:
		return "physical addresses";
	case VRS_REFUSE:
		return "refused at FEATURES_OK";
	}
	return "?";
}
