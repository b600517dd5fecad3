/* Platform profiles: each profile's translation, seen from both sides, for a
 * driver that uses the DMA API and one that bypasses it. The expected
 * outcomes are the ones the seeds argue about. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "sim/devbus.h"
#include "dma/swiotlb.h"
#include "sim/machine.h"
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
		VRS_PLAT_PPC_ULTRAVISOR, VRS_PLAT_RESTRICTED_POOL};
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
	vrs_dma_unmap_single(dma, a, 128, VRS_DMA_TO_DEVICE);
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
