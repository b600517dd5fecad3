/* Platform profiles: each profile's translation, seen from both sides, for a
 * driver that uses the DMA API and one that bypasses it. The expected
 * outcomes are the ones the seeds argue about. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "sim/devbus.h"
#include "dma/encrypt.h"
#include "dma/swiotlb.h"
#include "sim/machine.h"
#include "sim/policy.h"
#include "vrsim/guard.h"
#include "testing.h"

enum outcome { OK, FAULT, PRIVATE };

struct expect {
	enum vrs_platform_id plat;
	bool ap;
	enum outcome dma_api; /* driver maps through the DMA API */
	enum outcome phys;    /* driver passes GPAs (no DMA API) */
};

static const struct expect table[] = {
	{VRS_PLAT_KVM, false, OK, OK},
	{VRS_PLAT_KVM, true, OK, OK},
	{VRS_PLAT_KVM_VIOMMU, false, FAULT, OK},
	{VRS_PLAT_KVM_VIOMMU, true, OK, FAULT},
	{VRS_PLAT_Q35_QUIRK, false, FAULT, OK},
	{VRS_PLAT_Q35_QUIRK, true, FAULT, OK},
	{VRS_PLAT_PPC64_PSERIES, false, FAULT, OK},
	{VRS_PLAT_SPARC, false, FAULT, OK},
	{VRS_PLAT_XEN, false, OK, FAULT},
	{VRS_PLAT_XEN, true, OK, FAULT},
	{VRS_PLAT_HW_VIRTIO, false, OK, FAULT},
	{VRS_PLAT_HW_VIRTIO, true, OK, FAULT},
	{VRS_PLAT_SEV, true, OK, PRIVATE},
	{VRS_PLAT_TDX, true, OK, PRIVATE},
	{VRS_PLAT_S390_PV, true, OK, PRIVATE},
	{VRS_PLAT_PPC_ULTRAVISOR, true, OK, PRIVATE},
	{VRS_PLAT_RESTRICTED_POOL, true, OK, FAULT},
	/* a GPA is no bus address behind dma-ranges */
	{VRS_PLAT_ARM64_DMA_RANGES, true, OK, FAULT},
	{VRS_PLAT_ARM64_DMA_RANGES, false, OK, FAULT},
	/* pKVM: the host's stage-2 refuses the guest's private pages */
	{VRS_PLAT_PKVM, true, OK, PRIVATE},
	{VRS_PLAT_PKVM, false, OK, PRIVATE},
	/* CCA: a GPA is the protected IPA, never the host's */
	{VRS_PLAT_ARM_CCA, true, OK, FAULT},
	{VRS_PLAT_ARM_CCA, false, OK, FAULT},
};

static struct vrs_machine *machine;

static void setup(void)
{
	vrs_report_set_mode(VRS_REPORT_RECORD);
	vrs_report_clear();
	cr_assert_eq(vrs_machine_create(NULL, &machine), 0);
}

static void teardown(void)
{
	vrs_machine_destroy(machine);
}

TestSuite(platform, .init = setup, .fini = teardown);

static uint8_t *kmalloc(size_t size)
{
	struct vrs_gmem *gm = vrs_machine_gmem(machine);
	vrs_gpa_t gpa;
	cr_assert_eq(vrs_gmem_alloc(gm, size, VRS_OWNER_BUFFER, &gpa), 0);
	return vrs_gmem_hva(gm, gpa, size);
}

/* One buffer out (TO_DEVICE) and one back (FROM_DEVICE), as a device would
 * see them. Returns the outcome and checks the data when it is OK. */
static enum outcome transfer(const struct vrs_dma *dma, size_t len)
{
	const struct vrs_bus *bus = vrs_machine_bus(machine);
	uint8_t *out = kmalloc(len), *in = kmalloc(len);
	uint8_t seen[9000];
	vrs_test_fill(out, len, 1);
	memset(in, 0, len);

	vrs_dma_addr_t a_out, a_in;
	cr_assert_eq(vrs_dma_map_single(dma, out, len, VRS_DMA_TO_DEVICE, &a_out), 0);
	cr_assert_not(vrs_dma_mapping_error(dma, a_out));
	cr_assert_eq(vrs_dma_map_single(dma, in, len, VRS_DMA_FROM_DEVICE, &a_in), 0);
	cr_assert_not(vrs_dma_mapping_error(dma, a_in));

	unsigned faults = vrs_report_count(VRS_FIND_DMA_FAULT);
	unsigned priv = vrs_report_count(VRS_FIND_PRIVATE_ACCESS);
	int r = vrs_bus_read(bus, a_out, seen, len);
	vrs_test_fill(seen + 4500, len, 2); /* device's answer */
	int w = vrs_bus_write(bus, a_in, seen + 4500, len);
	vrs_dma_unmap_single(dma, a_out, len, VRS_DMA_TO_DEVICE);
	vrs_dma_unmap_single(dma, a_in, len, VRS_DMA_FROM_DEVICE);

	if (vrs_report_count(VRS_FIND_PRIVATE_ACCESS) > priv)
		return PRIVATE;
	if (vrs_report_count(VRS_FIND_DMA_FAULT) > faults) {
		cr_assert(r < 0 || w < 0);
		return FAULT;
	}
	cr_assert_eq(r, 0);
	cr_assert_eq(w, 0);
	cr_assert(vrs_test_has_pattern(seen, len, 1), "device read wrong data");
	cr_assert(vrs_test_has_pattern(in, len, 2), "driver got wrong data");
	return OK;
}

static const char *outcome_name(enum outcome o)
{
	return o == OK ? "ok" : o == FAULT ? "dma-fault" : "private-access";
}

ParameterizedTestParameters(platform, translation)
{
	return cr_make_param_array(struct expect, table,
				   sizeof(table) / sizeof(table[0]));
}

ParameterizedTest(const struct expect *e, platform, translation)
{
	const char *name = vrs_platform_get(e->plat)->name;
	/* Three sizes: inside a page, crossing a page, several pages. */
	static const size_t sizes[] = {64, 3000, 4500};
	for (unsigned i = 0; i < 3; i++) {
		struct vrs_run_config rc = {.platform = e->plat,
					    .access_platform = e->ap,
					    .xen_seed = 7};
		cr_assert_eq(vrs_machine_setup(machine, &rc), 0);
		enum outcome got = transfer(vrs_machine_dma(machine), sizes[i]);
		cr_assert_eq(got, e->dma_api, "%s ap=%d DMA API, %zu bytes: %s, want %s",
			     name, e->ap, sizes[i], outcome_name(got),
			     outcome_name(e->dma_api));
		cr_assert_eq(vrs_machine_check_leaks(machine), 0);
		got = transfer(vrs_machine_phys(machine), sizes[i]);
		cr_assert_eq(got, e->phys, "%s ap=%d physical path, %zu bytes: %s, want %s",
			     name, e->ap, sizes[i], outcome_name(got),
			     outcome_name(e->phys));
		cr_assert_eq(vrs_machine_check(machine), 0);
		cr_assert_eq(vrs_machine_check_run(machine, NULL), 0);
	}
}

Test(platform, names_round_trip)
{
	for (unsigned i = 0; i < VRS_PLAT_COUNT; i++) {
		enum vrs_platform_id id;
		const struct vrs_platform *p = vrs_platform_get(i);
		cr_assert_not_null(p);
		cr_assert_eq(vrs_platform_by_name(p->name, &id), 0);
		cr_assert_eq(id, i);
	}
	enum vrs_platform_id id;
	cr_assert_eq(vrs_platform_by_name("vax", &id), -ENOENT);
	cr_assert_null(vrs_platform_get(VRS_PLAT_COUNT));
	struct vrs_run_config bad = {.platform = VRS_PLAT_COUNT};
	cr_assert_eq(vrs_machine_setup(machine, &bad), -EINVAL);
}

Test(platform, fault_message_names_access_and_platform)
{
	struct vrs_run_config rc = {.platform = VRS_PLAT_HW_VIRTIO};
	cr_assert_eq(vrs_machine_setup(machine, &rc), 0);
	uint8_t b[8];
	cr_assert_eq(vrs_bus_read(vrs_machine_bus(machine), 0x1000, b, 8), -EFAULT);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_FAULT), 1);
	const char *msg = vrs_report_last(VRS_FIND_DMA_FAULT);
	cr_assert(strstr(msg, "read of 8 bytes at bus address 0x1000"), "%s", msg);
	cr_assert(strstr(msg, "unmapped"), "%s", msg);
	cr_assert(strstr(msg, "hw-virtio"), "%s", msg);
}

Test(platform, sev_device_sees_ciphertext_of_private_pages)
{
	struct vrs_run_config rc = {.platform = VRS_PLAT_SEV, .access_platform = true};
	cr_assert_eq(vrs_machine_setup(machine, &rc), 0);
	uint8_t *buf = kmalloc(64);
	vrs_test_fill(buf, 64, 9);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(vrs_machine_phys(machine), buf, 64,
					VRS_DMA_TO_DEVICE, &a), 0);
	uint8_t seen[64];
	cr_assert_eq(vrs_bus_read(vrs_machine_bus(machine), a, seen, 64), 0);
	cr_assert_not(vrs_test_has_pattern(seen, 64, 9));
	cr_assert_eq(vrs_report_count(VRS_FIND_PRIVATE_ACCESS), 1);
}

Test(platform, coherent_memory_is_shared_on_protected_guests)
{
	static const enum vrs_platform_id prot[] = {
		VRS_PLAT_SEV, VRS_PLAT_TDX, VRS_PLAT_S390_PV,
		VRS_PLAT_PPC_ULTRAVISOR, VRS_PLAT_RESTRICTED_POOL,
		VRS_PLAT_PKVM, VRS_PLAT_ARM_CCA};
	for (unsigned i = 0; i < VRS_ARRAY_SIZE(prot); i++) {
		struct vrs_run_config rc = {.platform = prot[i], .access_platform = true};
		cr_assert_eq(vrs_machine_setup(machine, &rc), 0);
		const struct vrs_dma *dma = vrs_machine_dma(machine);
		void *cpu;
		vrs_dma_addr_t a;
		cr_assert_eq(vrs_dma_alloc_coherent(dma, 6000, &cpu, &a), 0);
		memset(cpu, 0x5a, 6000);
		uint8_t seen[6000];
		cr_assert_eq(vrs_bus_read(vrs_machine_bus(machine), a, seen, 6000), 0);
		cr_assert_eq(seen[0], 0x5a);
		cr_assert_eq(seen[5999], 0x5a);
		vrs_dma_free_coherent(dma, 6000, cpu, a);
		cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0, "%s: %s",
			     vrs_platform_get(prot[i])->name,
			     vrs_report_last(VRS_FIND_PRIVATE_ACCESS));
	}
}

Test(platform, lazy_iotlb_stale_entry_is_a_finding)
{
	struct vrs_run_config rc = {.platform = VRS_PLAT_HW_VIRTIO, .lazy_iotlb = true};
	cr_assert_eq(vrs_machine_setup(machine, &rc), 0);
	const struct vrs_dma *dma = vrs_machine_dma(machine);
	const struct vrs_bus *bus = vrs_machine_bus(machine);
	uint8_t *buf = kmalloc(128), seen[16];
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(dma, buf, 128, VRS_DMA_TO_DEVICE, &a), 0);
	cr_assert_not(vrs_dma_mapping_error(dma, a));
	cr_assert_eq(vrs_bus_read(bus, a, seen, 16), 0); /* fills the IOTLB */
	cr_assert_eq(vrs_bus_direct(bus, a, 16, false), buf);
	vrs_dma_unmap_single(dma, a, 128, VRS_DMA_TO_DEVICE);
	/* direct access refuses the stale entry, and says nothing */
	cr_assert_null(vrs_bus_direct(bus, a, 16, false));
	cr_assert_eq(vrs_report_count(VRS_FIND_STALE_IOTLB), 0);
	cr_assert_eq(vrs_bus_read(bus, a, seen, 16), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_STALE_IOTLB), 1);
	vrs_machine_iommu_flush(machine);
	cr_assert_eq(vrs_bus_read(bus, a, seen, 16), -EFAULT);
	cr_assert_eq(vrs_report_count(VRS_FIND_STALE_IOTLB), 1);
}

Test(platform, strict_iotlb_has_no_stale_window)
{
	struct vrs_run_config rc = {.platform = VRS_PLAT_HW_VIRTIO};
	cr_assert_eq(vrs_machine_setup(machine, &rc), 0);
	const struct vrs_dma *dma = vrs_machine_dma(machine);
	uint8_t *buf = kmalloc(128), seen[16];
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(dma, buf, 128, VRS_DMA_TO_DEVICE, &a), 0);
	cr_assert_not(vrs_dma_mapping_error(dma, a));
	cr_assert_eq(vrs_bus_read(vrs_machine_bus(machine), a, seen, 16), 0);
	vrs_dma_unmap_single(dma, a, 128, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_bus_read(vrs_machine_bus(machine), a, seen, 16), -EFAULT);
	cr_assert_eq(vrs_report_count(VRS_FIND_STALE_IOTLB), 0);
}

Test(platform, setup_leaves_no_trace_of_the_previous_run)
{
	struct vrs_run_config rc = {.platform = VRS_PLAT_SEV, .access_platform = true};
	cr_assert_eq(vrs_machine_setup(machine, &rc), 0);
	const struct vrs_dma *dma = vrs_machine_dma(machine);
	uint8_t *buf = kmalloc(256);
	memset(buf, 0xee, 256);
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_map_single(dma, buf, 256, VRS_DMA_BIDIRECTIONAL, &a), 0);
	/* Left mapped on purpose: the next setup must not inherit it. */
	rc.platform = VRS_PLAT_KVM;
	cr_assert_eq(vrs_machine_setup(machine, &rc), 0);
	cr_assert_eq(vrs_machine_check_leaks(machine), 0);
	cr_assert_eq(vrs_swiotlb_slots_used(vrs_machine_swiotlb(machine)), 0);
	cr_assert_eq(buf[0], 0);
	cr_assert_not(vrs_gmem_page_private(vrs_machine_gmem(machine), 0x1000));
	cr_assert_eq(vrs_machine_check(machine), 0);
}

Test(platform, fault_injection_reaches_the_driver_as_mapping_error)
{
	struct vrs_run_config rc = {.platform = VRS_PLAT_KVM, .fail_nth = 2};
	cr_assert_eq(vrs_machine_setup(machine, &rc), 0);
	const struct vrs_dma *dma = vrs_machine_dma(machine);
	uint8_t *buf = kmalloc(64);
	vrs_dma_addr_t a, b;
	cr_assert_eq(vrs_dma_map_single(dma, buf, 64, VRS_DMA_TO_DEVICE, &a), 0);
	cr_assert_eq(vrs_dma_map_single(dma, buf, 64, VRS_DMA_TO_DEVICE, &b), -ENOMEM);
	cr_assert(vrs_dma_mapping_error(dma, b));
	cr_assert_not(vrs_dma_mapping_error(dma, a));
	vrs_dma_unmap_single(dma, a, 64, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_machine_check_leaks(machine), 0);
}

/* ---- the platforms beyond the seeds' era (docs/design.md 8b) ---- */

static void use(enum vrs_platform_id plat, bool ap)
{
	struct vrs_run_config rc = {.platform = plat, .access_platform = ap};
	cr_assert_eq(vrs_machine_setup(machine, &rc), 0);
}

static vrs_gpa_t gpa_of(const void *cpu, size_t len)
{
	vrs_gpa_t gpa;
	cr_assert_eq(vrs_gmem_gpa(vrs_machine_gmem(machine), cpu, len, &gpa), 0);
	return gpa;
}

/* The first finding recorded, for assertion messages. */
static const char *findings(void)
{
	static char msg[400];
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++)
		if (vrs_report_count(k)) {
			snprintf(msg, sizeof(msg), "[%s] %s", vrs_finding_name(k),
				 vrs_report_last(k));
			return msg;
		}
	return "none";
}

static void map_checked(const struct vrs_dma *dma, void *cpu, size_t len,
			enum vrs_dma_dir dir, vrs_dma_addr_t *a)
{
	cr_assert_eq(vrs_dma_map_single(dma, cpu, len, dir, a), 0);
	cr_assert_not(vrs_dma_mapping_error(dma, *a));
}

/* What vrs_platform_path_works says, for both AP settings. */
static void paths(enum vrs_platform_id id, bool dma_api, bool phys)
{
	const struct vrs_platform *p = vrs_platform_get(id);
	for (int ap = 0; ap <= 1; ap++) {
		cr_assert_eq(vrs_platform_path_works(p, ap, VRS_USE_DMA_API),
			     dma_api, "%s ap=%d DMA API", p->name, ap);
		cr_assert_eq(vrs_platform_path_works(p, ap, VRS_USE_PHYS), phys,
			     "%s ap=%d physical path", p->name, ap);
		cr_assert_not(vrs_platform_path_works(p, ap, VRS_REFUSE));
	}
}

/* Device reads of a TO_DEVICE mapping and writes into a FROM_DEVICE one,
 * through the bus address each got; unmap must find the way back. Returns
 * the two bus addresses for the caller's platform-specific checks. */
static void round_trip(size_t len, vrs_dma_addr_t *a_out, vrs_dma_addr_t *a_in)
{
	const struct vrs_dma *dma = vrs_machine_dma(machine);
	const struct vrs_bus *bus = vrs_machine_bus(machine);
	uint8_t *out = kmalloc(len), *in = kmalloc(len), seen[5000], ans[5000];
	cr_assert_leq(len, sizeof(seen));
	vrs_test_fill(out, len, 3);
	memset(in, 0, len);
	map_checked(dma, out, len, VRS_DMA_TO_DEVICE, a_out);
	map_checked(dma, in, len, VRS_DMA_FROM_DEVICE, a_in);
	cr_assert_eq(vrs_bus_read(bus, *a_out, seen, len), 0, "%s",
		     vrs_report_last(VRS_FIND_DMA_FAULT));
	cr_assert(vrs_test_has_pattern(seen, len, 3), "device read other bytes");
	vrs_test_fill(ans, len, 4);
	cr_assert_eq(vrs_bus_write(bus, *a_in, ans, len), 0, "%s",
		     vrs_report_last(VRS_FIND_DMA_FAULT));
	vrs_dma_unmap_single(dma, *a_out, len, VRS_DMA_TO_DEVICE);
	vrs_dma_unmap_single(dma, *a_in, len, VRS_DMA_FROM_DEVICE);
	cr_assert(vrs_test_has_pattern(in, len, 4), "driver got other bytes");
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0, "%s", findings());
	cr_assert_eq(vrs_machine_check_leaks(machine), 0);
}

/* A coherent allocation both sides see; *gpa is where it lives. */
static void coherent(vrs_dma_addr_t *a, vrs_gpa_t *gpa)
{
	const struct vrs_dma *dma = vrs_machine_dma(machine);
	const struct vrs_bus *bus = vrs_machine_bus(machine);
	void *cpu;
	uint8_t seen[3000];
	cr_assert_eq(vrs_dma_alloc_coherent(dma, 3000, &cpu, a), 0);
	*gpa = gpa_of(cpu, 3000);
	vrs_test_fill(cpu, 3000, 5);
	cr_assert_eq(vrs_bus_read(bus, *a, seen, 3000), 0, "%s",
		     vrs_report_last(VRS_FIND_DMA_FAULT));
	cr_assert(vrs_test_has_pattern(seen, 3000, 5));
	vrs_test_fill(seen, 3000, 6);
	cr_assert_eq(vrs_bus_write(bus, *a, seen, 3000), 0);
	cr_assert(vrs_test_has_pattern(cpu, 3000, 6), "CPU does not see the device");
	vrs_dma_free_coherent(dma, 3000, cpu, *a);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0, "%s", findings());
	cr_assert_eq(vrs_machine_check_leaks(machine), 0);
}

Test(platform, dma_ranges_bus_is_gpa_plus_offset_both_ways)
{
	use(VRS_PLAT_ARM64_DMA_RANGES, true);
	const struct vrs_dma *dma = vrs_machine_dma(machine);
	uint8_t *buf = kmalloc(600);
	vrs_dma_addr_t a, b;
	map_checked(dma, buf, 600, VRS_DMA_TO_DEVICE, &a);
	/* phys_to_dma: no bounce, the buffer itself, 2 GiB up */
	cr_assert_eq(a, gpa_of(buf, 600) + VRS_PLAT_DMA_RANGES_OFFSET);
	vrs_dma_unmap_single(dma, a, 600, VRS_DMA_TO_DEVICE);
	round_trip(4500, &a, &b);
	cr_assert_geq(a, VRS_PLAT_DMA_RANGES_OFFSET);
	cr_assert_geq(b, VRS_PLAT_DMA_RANGES_OFFSET);
	vrs_gpa_t gpa;
	coherent(&a, &gpa);
	cr_assert_eq(a, gpa + VRS_PLAT_DMA_RANGES_OFFSET);
	paths(VRS_PLAT_ARM64_DMA_RANGES, true, false);
}

Test(platform, dma_ranges_unmap_and_free_take_bus_addresses)
{
	use(VRS_PLAT_ARM64_DMA_RANGES, true);
	const struct vrs_dma *dma = vrs_machine_dma(machine);
	void *cpu;
	vrs_dma_addr_t a;
	cr_assert_eq(vrs_dma_alloc_coherent(dma, 100, &cpu, &a), 0);
	/* The GPA is not what the allocation handed out. */
	vrs_dma_free_coherent(dma, 100, cpu, gpa_of(cpu, 100));
	cr_assert_gt(vrs_report_count(VRS_FIND_COUNT), 0);
	vrs_report_clear();
	vrs_dma_free_coherent(dma, 100, cpu, a);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	cr_assert_eq(vrs_machine_check_leaks(machine), 0);
}

Test(platform, dma_ranges_a_plain_gpa_does_not_reach_the_buffer)
{
	use(VRS_PLAT_ARM64_DMA_RANGES, false);
	const struct vrs_bus *bus = vrs_machine_bus(machine);
	uint8_t *buf = kmalloc(64), seen[64];
	vrs_test_fill(buf, 64, 7);
	vrs_dma_addr_t a;
	/* virt_to_phys: what a driver bypassing the DMA API hands out */
	cr_assert_eq(vrs_dma_map_single(vrs_machine_phys(machine), buf, 64,
					VRS_DMA_TO_DEVICE, &a), 0);
	cr_assert_eq(a, gpa_of(buf, 64));
	memset(seen, 0, sizeof(seen));
	cr_assert_eq(vrs_bus_read(bus, a, seen, 64), -EFAULT);
	cr_assert_not(vrs_test_has_pattern(seen, 64, 7));
	cr_assert_eq(vrs_bus_write(bus, a, seen, 64), -EFAULT);
	cr_assert(vrs_test_has_pattern(buf, 64, 7), "device wrote the buffer");
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_FAULT), 2);
	const char *msg = vrs_report_last(VRS_FIND_DMA_FAULT);
	cr_assert(strstr(msg, "dma-ranges window"), "%s", msg);
	cr_assert(strstr(msg, "arm64-dma-ranges"), "%s", msg);
	/* The same buffer through its bus address is reached. */
	cr_assert_eq(vrs_bus_read(bus, a + VRS_PLAT_DMA_RANGES_OFFSET, seen, 64), 0);
	cr_assert(vrs_test_has_pattern(seen, 64, 7));
}

Test(platform, pkvm_dma_goes_through_the_shared_pool)
{
	use(VRS_PLAT_PKVM, true);
	struct vrs_swiotlb *sw = vrs_machine_swiotlb(machine);
	vrs_dma_addr_t a, b;
	round_trip(3000, &a, &b);
	/* restricted-dma-pool: bus addresses are GPAs of pool slots */
	cr_assert(vrs_swiotlb_owns(sw, a));
	cr_assert(vrs_swiotlb_owns(sw, b));
	vrs_gpa_t gpa;
	coherent(&a, &gpa);
	cr_assert_eq(a, gpa);
	cr_assert(vrs_swiotlb_owns(sw, a), "coherent memory outside the pool");
	paths(VRS_PLAT_PKVM, true, false);
}

/* MEM_SHARE is per page and the host's stage-2 knows no pool: whatever
 * the guest shared is reachable, what it did not is a fault. */
Test(platform, pkvm_host_reaches_shared_pages_only)
{
	use(VRS_PLAT_PKVM, true);
	struct vrs_gmem *gm = vrs_machine_gmem(machine);
	const struct vrs_bus *bus = vrs_machine_bus(machine);
	uint8_t *buf = kmalloc(4096), seen[64];
	vrs_gpa_t gpa = gpa_of(buf, 4096);
	cr_assert_eq(gpa & VRS_PAGE_MASK, 0);
	cr_assert_not(vrs_swiotlb_owns(vrs_machine_swiotlb(machine), gpa));
	vrs_test_fill(buf, 64, 8);
	cr_assert_eq(vrs_bus_read(bus, gpa, seen, 64), -EFAULT);
	cr_assert_eq(vrs_report_count(VRS_FIND_PRIVATE_ACCESS), 1);
	cr_assert_not(vrs_test_has_pattern(seen, 64, 8));
	cr_assert_eq(vrs_set_memory_decrypted(gm, gpa, 1), 0); /* MEM_SHARE */
	cr_assert_eq(vrs_bus_read(bus, gpa, seen, 64), 0);
	cr_assert(vrs_test_has_pattern(seen, 64, 8));
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 1);
	cr_assert_eq(vrs_set_memory_encrypted(gm, gpa, 1), 0); /* MEM_UNSHARE */
	cr_assert_eq(vrs_bus_write(bus, gpa, seen, 64), -EFAULT);
	cr_assert_eq(vrs_report_count(VRS_FIND_PRIVATE_ACCESS), 2);

	/* The restricted-pool platform differs: its device reaches the
	 * pool only, shared or not. */
	use(VRS_PLAT_RESTRICTED_POOL, true);
	vrs_report_clear();
	buf = kmalloc(4096);
	gpa = gpa_of(buf, 4096);
	cr_assert_eq(vrs_set_memory_decrypted(gm, gpa, 1), 0);
	cr_assert_eq(vrs_bus_read(vrs_machine_bus(machine), gpa, seen, 64), -EFAULT);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_FAULT), 1);
}

Test(platform, cca_dma_addresses_carry_the_shared_alias)
{
	use(VRS_PLAT_ARM_CCA, true);
	struct vrs_swiotlb *sw = vrs_machine_swiotlb(machine);
	const uint64_t alias = VRS_PLAT_CCA_SHARED_ALIAS;
	vrs_dma_addr_t a, b;
	round_trip(4500, &a, &b);
	/* dma_addr_unencrypted() of a decrypted swiotlb slot */
	cr_assert(a & alias);
	cr_assert(b & alias);
	cr_assert(vrs_swiotlb_owns(sw, a & ~alias));
	cr_assert(vrs_swiotlb_owns(sw, b & ~alias));
	vrs_gpa_t gpa;
	coherent(&a, &gpa);
	cr_assert_eq(a, gpa | alias, "coherent: %#llx for GPA %#llx",
		     (unsigned long long)a, (unsigned long long)gpa);
	paths(VRS_PLAT_ARM_CCA, true, false);
}

Test(platform, cca_sync_and_unmap_take_alias_addresses)
{
	use(VRS_PLAT_ARM_CCA, true);
	const struct vrs_dma *dma = vrs_machine_dma(machine);
	const struct vrs_bus *bus = vrs_machine_bus(machine);
	uint8_t *in = kmalloc(512), ans[512];
	memset(in, 0, 512);
	vrs_dma_addr_t a;
	map_checked(dma, in, 512, VRS_DMA_FROM_DEVICE, &a);
	vrs_test_fill(ans, 512, 9);
	cr_assert_eq(vrs_bus_write(bus, a, ans, 512), 0);
	/* A partial sync copies back just its range, found from the alias. */
	vrs_dma_sync_for_cpu(dma, a, 100, 50, VRS_DMA_FROM_DEVICE);
	cr_assert_eq(memcmp(in + 100, ans + 100, 50), 0);
	cr_assert_eq(in[99], 0);
	cr_assert_eq(in[150], 0);
	vrs_dma_unmap_single(dma, a, 512, VRS_DMA_FROM_DEVICE);
	cr_assert(vrs_test_has_pattern(in, 512, 9));
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0, "%s", findings());
	cr_assert_eq(vrs_machine_check_leaks(machine), 0);
}

Test(platform, cca_host_needs_the_alias_and_a_shared_page)
{
	use(VRS_PLAT_ARM_CCA, true);
	struct vrs_gmem *gm = vrs_machine_gmem(machine);
	const struct vrs_dma *dma = vrs_machine_dma(machine);
	const struct vrs_bus *bus = vrs_machine_bus(machine);
	const uint64_t alias = VRS_PLAT_CCA_SHARED_ALIAS;
	uint8_t seen[64];

	/* A bounce slot is shared, but its protected IPA is not the host's. */
	uint8_t *out = kmalloc(64);
	vrs_test_fill(out, 64, 10);
	vrs_dma_addr_t a;
	map_checked(dma, out, 64, VRS_DMA_TO_DEVICE, &a);
	cr_assert_eq(vrs_bus_read(bus, a & ~alias, seen, 64), -EFAULT);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_FAULT), 1);
	cr_assert_eq(vrs_report_count(VRS_FIND_PRIVATE_ACCESS), 0);
	const char *msg = vrs_report_last(VRS_FIND_DMA_FAULT);
	cr_assert(strstr(msg, "unprotected-IPA alias"), "%s", msg);
	cr_assert(strstr(msg, "arm-cca"), "%s", msg);
	cr_assert_eq(vrs_bus_read(bus, a, seen, 64), 0);
	cr_assert(vrs_test_has_pattern(seen, 64, 10));
	vrs_dma_unmap_single(dma, a, 64, VRS_DMA_TO_DEVICE);

	/* A private page through the alias: RIPAS RAM, not the host's. */
	uint8_t *page = kmalloc(4096);
	vrs_gpa_t gpa = gpa_of(page, 4096);
	vrs_test_fill(page, 64, 11);
	cr_assert_eq(vrs_bus_read(bus, gpa | alias, seen, 64), -EFAULT);
	cr_assert_eq(vrs_report_count(VRS_FIND_PRIVATE_ACCESS), 1);
	cr_assert_not(vrs_test_has_pattern(seen, 64, 11));
	/* set_memory_decrypted (RSI shared): now reachable, through the
	 * alias only. */
	cr_assert_eq(vrs_set_memory_decrypted(gm, gpa, 1), 0);
	cr_assert_eq(vrs_bus_read(bus, gpa | alias, seen, 64), 0);
	cr_assert(vrs_test_has_pattern(seen, 64, 11));
	cr_assert_eq(vrs_bus_read(bus, gpa, seen, 64), -EFAULT);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_FAULT), 2);
	cr_assert_eq(vrs_report_count(VRS_FIND_PRIVATE_ACCESS), 1);
}

Test(platform, cca_coherent_pages_are_private_again_after_free)
{
	use(VRS_PLAT_ARM_CCA, true);
	const struct vrs_dma *dma = vrs_machine_dma(machine);
	void *cpu;
	vrs_dma_addr_t a;
	uint8_t b[16];
	cr_assert_eq(vrs_dma_alloc_coherent(dma, 4096, &cpu, &a), 0);
	cr_assert_eq(vrs_bus_read(vrs_machine_bus(machine), a, b, 16), 0);
	/* Freed with the address it was handed out as: no complaint. */
	vrs_dma_free_coherent(dma, 4096, cpu, a);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0, "%s", findings());
	cr_assert_eq(vrs_bus_read(vrs_machine_bus(machine), a, b, 16), -EFAULT);
	cr_assert_eq(vrs_report_count(VRS_FIND_PRIVATE_ACCESS), 1);
}

Test(platform, new_platforms_keep_their_rows)
{
	const struct vrs_platform *r = vrs_platform_get(VRS_PLAT_ARM64_DMA_RANGES);
	const struct vrs_platform *k = vrs_platform_get(VRS_PLAT_PKVM);
	const struct vrs_platform *c = vrs_platform_get(VRS_PLAT_ARM_CCA);
	/* Appended: the ids already in corpora keep their meaning. */
	cr_assert_eq(VRS_PLAT_RESTRICTED_POOL, 11);
	cr_assert_eq(VRS_PLAT_ARM64_DMA_RANGES, 12);
	cr_assert_eq(VRS_PLAT_ARM_CCA, VRS_PLAT_COUNT - 1);
	/* No Linux version sets the virtio mem_acc callback for these. */
	cr_assert_not(r->restricted_mem_acc || k->restricted_mem_acc ||
		      c->restricted_mem_acc);
	cr_assert_not(r->xen_domain || k->xen_domain || c->xen_domain);
	cr_assert_not(r->protected_memory);
	cr_assert(k->protected_memory && c->protected_memory);
	cr_assert_eq(k->private_effect, VRS_PRIVATE_FAULTS);
	cr_assert_eq(c->private_effect, VRS_PRIVATE_FAULTS);
	/* The address kinds do not overlap: 16 MiB of GPAs, the dma-ranges
	 * window, the IOVAs at 4 GiB, the CCA alias at 512 GiB. */
	cr_assert_geq(r->dma_offset, 16u << 20);
	cr_assert_leq(r->dma_offset + (16u << 20), 0x100000000ull);
	cr_assert_gt(c->shared_alias, 0x100000000ull + (256u << 20));
	for (unsigned i = 0; i < VRS_PLAT_COUNT; i++)
		cr_assert(vrs_platform_get(i)->why && vrs_platform_get(i)->why[0]);
}

/* ---- direct access: the bus's pointer where a read is a plain copy ---- */

/* direct refuses [a, a + len) and leaves no trace: no finding, no count;
 * the read after it reports what it reports. */
static void direct_refused(vrs_dma_addr_t a, size_t len, bool write,
			   const char *what)
{
	const struct vrs_devbus *db = vrs_machine_devbus(machine);
	uint64_t reads = db->reads;
	unsigned found = vrs_report_count(VRS_FIND_COUNT);
	uint64_t writes = db->writes;
	cr_assert_null(vrs_bus_direct(vrs_machine_bus(machine), a, len, write),
		       "%s", what);
	cr_assert_eq(db->reads, reads, "%s", what);
	cr_assert_eq(db->writes, writes, "%s", what);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), found, "%s: %s", what,
		     findings());
}

Test(platform, direct_hands_out_shared_memory_and_counts_a_read)
{
	use(VRS_PLAT_KVM, false);
	const struct vrs_bus *bus = vrs_machine_bus(machine);
	const struct vrs_devbus *db = vrs_machine_devbus(machine);
	uint8_t *buf = kmalloc(VRS_PAGE_SIZE);
	vrs_gpa_t gpa = gpa_of(buf, VRS_PAGE_SIZE);
	cr_assert_eq(gpa & VRS_PAGE_MASK, 0);
	uint64_t reads = db->reads, writes = db->writes;
	cr_assert_eq(vrs_bus_direct(bus, gpa, VRS_PAGE_SIZE, false), buf);
	cr_assert_eq(db->reads, reads + 1, "counted as devbus_read counts");
	cr_assert_eq(vrs_bus_direct(bus, gpa + 8, 2, false), buf + 8);
	cr_assert_eq(db->reads, reads + 2);
	cr_assert_eq(db->writes, writes);
	/* a write tracks dirty pages and may be corrupted: never direct */
	direct_refused(gpa, 2, true, "write");
	/* two pieces (over a page end), nothing, a wrapping range */
	direct_refused(gpa + VRS_PAGE_SIZE / 2, VRS_PAGE_SIZE, false, "two pages");
	direct_refused(gpa, 0, false, "empty");
	direct_refused(UINT64_MAX - 1, 4, false, "wraps");
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0, "%s", findings());
	/* a bus without the op: NULL */
	static const struct vrs_bus_ops none = {.read = NULL};
	struct vrs_bus plain = {&none, NULL};
	cr_assert_null(vrs_bus_direct(&plain, gpa, 2, false));
}

Test(platform, direct_refuses_what_the_bus_would_report)
{
	/* untranslatable: no IOMMU mapping at this IOVA */
	use(VRS_PLAT_HW_VIRTIO, true);
	direct_refused(0x1000, 8, false, "unmapped");
	uint8_t seen[64];
	cr_assert_eq(vrs_bus_read(vrs_machine_bus(machine), 0x1000, seen, 8),
		     -EFAULT);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_FAULT), 1);

	/* translates outside guest memory */
	vrs_report_clear();
	use(VRS_PLAT_KVM, false);
	direct_refused(vrs_gmem_size(vrs_machine_gmem(machine)), 8, false, "outside");

	/* a private page of an encrypted guest, then shared */
	use(VRS_PLAT_SEV, true);
	struct vrs_gmem *gm = vrs_machine_gmem(machine);
	uint8_t *buf = kmalloc(VRS_PAGE_SIZE);
	vrs_gpa_t gpa = gpa_of(buf, VRS_PAGE_SIZE);
	cr_assert(vrs_gmem_page_private(gm, gpa));
	direct_refused(gpa, 64, false, "private");
	cr_assert_eq(vrs_bus_read(vrs_machine_bus(machine), gpa, seen, 64), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_PRIVATE_ACCESS), 1);
	cr_assert_eq(vrs_set_memory_decrypted(gm, gpa, 1), 0);
	cr_assert_eq(vrs_bus_direct(vrs_machine_bus(machine), gpa, 64, false),
		     buf);

	/* shared, but outside the restricted pool; a pool slot is direct */
	vrs_report_clear();
	use(VRS_PLAT_RESTRICTED_POOL, true);
	buf = kmalloc(VRS_PAGE_SIZE);
	gpa = gpa_of(buf, VRS_PAGE_SIZE);
	cr_assert_eq(vrs_set_memory_decrypted(gm, gpa, 1), 0);
	direct_refused(gpa, 64, false, "outside the pool");
	vrs_dma_addr_t a;
	map_checked(vrs_machine_dma(machine), buf, 64, VRS_DMA_TO_DEVICE, &a);
	cr_assert(vrs_swiotlb_owns(vrs_machine_swiotlb(machine), a));
	cr_assert_not_null(vrs_bus_direct(vrs_machine_bus(machine), a, 64, false));
	vrs_dma_unmap_single(vrs_machine_dma(machine), a, 64, VRS_DMA_TO_DEVICE);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0, "%s", findings());
}
