/* The Linux ring behind the driver interface, for one kernel version (this
 * suite is built once per version, tests/CMakeLists.txt): the kernel's own
 * DMA-use decision per platform, honest runs that stay quiet, and each
 * oracle the Linux mode adds firing on a broken input. */
#include <criterion/criterion.h>
#include <linux/virtio.h>
/* the kernel's own headers, with the kernel's warnings */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <linux/virtio_config.h>
#pragma GCC diagnostic pop
#include <linux/virtio_ring.h>
#include <stdlib.h>

#include "contract.h"
#include "dma/fault.h"
#include "kshim/mm.h"
#include "kernel/linux.h"
#include "kshim/env.h"
#include "sim/input.h"
#include "sim/kmem.h"
#include "sim/machine.h"
#include "sim/qpair.h"
#include "sim/sim.h"
#include "vrsim/kmem.h"
#include "vrsim/virtio.h"
/* White-box, as tests/test_scheduler.c: a run's queues built by hand. */
#include "../../sim/sim_internal.h"

#define V1 VRS_BIT(VRS_F_VERSION_1)
#define AP VRS_BIT(VRS_F_ACCESS_PLATFORM)

static struct vrs_sim *sim;
static const struct vrs_driver_ops *linux_ops;

static void setup(void)
{
	linux_ops = vrs_linux_driver_ops();
	cr_assert_eq(vrs_driver_register(VRS_DRIVER_LINUX, linux_ops), 0);
	cr_assert_eq(vrs_sim_create(&sim), 0);
	vrs_report_set_mode(VRS_REPORT_RECORD);
	vrs_report_clear();
}

static void teardown(void)
{
	vrs_sim_destroy(sim);
}

TestSuite(linux_ring, .init = setup, .fini = teardown);

Test(linux_ring, the_kernel_decides_on_the_dma_api)
{
	/* vring_use_dma_api(): ACCESS_PLATFORM, or a Xen domain */
	cr_expect_eq(linux_ops->decide(V1 | AP, false, false), 1);
	cr_expect_eq(linux_ops->decide(V1, false, false), 0);
	cr_expect_eq(linux_ops->decide(V1, true, false), 1);
	cr_expect_eq(linux_ops->decide(0, false, false), 0);
	/* virtio_features_ok(): restricted memory access needs both */
	cr_expect_eq(linux_ops->decide(V1, false, true), -ENODEV);
	cr_expect_eq(linux_ops->decide(AP, false, true), -ENODEV);
	cr_expect_eq(linux_ops->decide(V1 | AP, false, true), 1);
}

Test(linux_ring, features_come_from_vring_transport_features)
{
	uint64_t f = linux_ops->features;
	cr_expect(f & VRS_BIT(VRS_F_INDIRECT_DESC));
	cr_expect(f & VRS_BIT(VRS_F_EVENT_IDX));
	cr_expect(f & VRS_BIT(VRS_F_RING_PACKED));
	cr_expect(f & VRS_BIT(VRS_F_RING_RESET));
	/* No Linux ring of these versions implements IN_ORDER. */
	cr_expect_not(f & VRS_BIT(VRS_F_IN_ORDER));
	cr_expect_eq(!!(f & VRS_BIT(VRS_F_NOTIFICATION_DATA)),
		     LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0));
}

/* Honest parties on every platform, both layouts, both devices: the
 * kernel's path must work where honest parties work, and nothing fires. */
Test(linux_ring, honest_runs_are_quiet_on_every_platform)
{
	const uint64_t all = VRS_DRIVER_FEATURES_ALL;
	for (unsigned p = 0; p < VRS_PLAT_COUNT; p++) {
		for (unsigned packed = 0; packed < 2; packed++) {
			for (unsigned dev = 0; dev < 2; dev++) {
				struct vrs_sim_config c = {
					.driver = VRS_DRIVER_LINUX,
					.platform = p,
					.device = dev ? VRS_DEV_NET : VRS_DEV_BLK,
					.offered = packed ? all : all & ~VRS_BIT(VRS_F_RING_PACKED),
					.driver_features = all,
					.queue_size = 16,
					.steps = 300,
					.seed = 7 + p,
				};
				if (!vrs_input_prepare(VRS_ROLE_HONEST, &c))
					continue;
				struct vrs_sim_result r;
				cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &r), 0);
				if (r.findings)
					vrs_sim_print_trace(sim, stderr, 30);
				cr_expect_eq(r.findings, 0, "%s packed=%u dev=%u: %s",
					     vrs_platform_get(p)->name, packed, dev,
					     r.detail);
				cr_expect(r.outcome == VRS_OUT_WORKS ||
					  r.outcome == VRS_OUT_REFUSED,
					  "%s: %s", vrs_platform_get(p)->name,
					  vrs_outcome_name(r.outcome));
				cr_expect(r.outcome == VRS_OUT_REFUSED ||
					  r.completed > 0);
			}
		}
	}
}

/* The kernel starts a ring only at zero; a queue the harness starts
 * elsewhere is fast-forwarded after every set-up (kring_fast_forward), so
 * the kernel's wrap paths run in a short input: split across the 16-bit
 * index wrap, packed across its ring wrap on the second lap, with resets
 * in between (RING_RESET), and nothing fires. */
Test(linux_ring, a_ring_started_below_the_wrap_runs_across_it_clean)
{
	const uint64_t all = VRS_DRIVER_FEATURES_ALL;
	const uint64_t sets[] = {
		V1 | AP, V1 | AP | VRS_BIT(VRS_F_EVENT_IDX),
		V1 | AP | VRS_BIT(VRS_F_INDIRECT_DESC),
		V1 | AP | VRS_BIT(VRS_F_RING_PACKED) | VRS_BIT(VRS_F_RING_RESET),
		V1 | AP | VRS_BIT(VRS_F_RING_PACKED) | VRS_BIT(VRS_F_EVENT_IDX),
		all & ~VRS_BIT(VRS_F_RING_RESET),
		all & ~VRS_BIT(VRS_F_RING_PACKED) & ~VRS_BIT(VRS_F_RING_RESET),
		VRS_BIT(VRS_F_EVENT_IDX),
	};
	const uint16_t starts[] = {65535, 65533, 65536 - 16, 65536 - 23, 40000};
	for (unsigned i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		for (unsigned k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
			for (unsigned dev = 0; dev < 2; dev++) {
				struct vrs_sim_config c = {
					.driver = VRS_DRIVER_LINUX,
					.device = dev ? VRS_DEV_NET : VRS_DEV_BLK,
					.offered = sets[i], .driver_features = all,
					.queue_size = 16, .steps = 400,
					.start = starts[k], .seed = 11 + k,
					.steady_cycles = 256,
				};
				cr_assert(vrs_input_prepare(VRS_ROLE_HONEST, &c));
				struct vrs_sim_result r;
				cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &r), 0);
				if (r.findings)
					vrs_sim_print_trace(sim, stderr, 30);
				cr_expect_eq(r.findings, 0, "set %u start %u dev %u: %s",
					     i, starts[k], dev, r.detail);
				/* (a reset may shrink the ring below a blk
				 * request: no count where one may come) */
				if (starts[k] > 0xff00 &&
				    !(sets[i] & VRS_BIT(VRS_F_RING_RESET)))
					cr_expect_geq(r.completed, 0x10000u - starts[k],
						     "set %u start %u: %u completed",
						     i, starts[k], r.completed);
			}
		}
	}
}

Test(linux_ring, a_protected_guest_refuses_a_legacy_device)
{
	struct vrs_sim_config c = {
		.driver = VRS_DRIVER_LINUX, .platform = VRS_PLAT_SEV,
		.device = VRS_DEV_BLK, .offered = VRS_BIT(VRS_F_INDIRECT_DESC),
		.driver_features = VRS_DRIVER_FEATURES_ALL, .queue_size = 8,
		.steps = 50,
	};
	struct vrs_sim_result r;
	cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &r), 0);
	cr_expect_eq(r.outcome, VRS_OUT_REFUSED, "%s", r.detail);
	cr_expect_eq(r.findings, 0);
}

/* ---- the oracles, each firing on a broken input ---- */

static void *host_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return calloc(1, size);
}

static void host_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

static const struct vrs_kmem host_kmem = {host_alloc, host_free, NULL};

Test(linux_ring, bug_on_is_a_finding_and_unwinds)
{
	jmp_buf oops;
	struct kshim_env env = {.kmem = &host_kmem, .oops = &oops};
	kshim_set_env(&env);
	volatile bool unwound = false;
	if (_setjmp(oops) == 0)
		kshim_bug("BUG_ON(test)", "x/virtio_ring.c", 42);
	else
		unwound = true;
	cr_expect(unwound);
	cr_expect_eq(vrs_report_count(VRS_FIND_KERNEL_BUG), 1);
	cr_expect_str_eq(vrs_report_last(VRS_FIND_KERNEL_BUG),
			 "BUG_ON(test) at virtio_ring.c:42");
	kshim_set_env(NULL);
}

Test(linux_ring, warn_on_is_a_finding_only_when_it_holds)
{
	cr_expect_not(kshim_warn(false, false, NULL, "WARN_ON(x)", "f.c", 1));
	cr_expect_eq(vrs_report_count(VRS_FIND_KERNEL_WARN), 0);
	cr_expect(kshim_warn(true, true, NULL, "WARN_ON_ONCE(x)", "f.c", 2));
	cr_expect_eq(vrs_report_count(VRS_FIND_KERNEL_WARN), 1);
}

Test(linux_ring, kfree_of_foreign_memory_is_a_kernel_bug)
{
	jmp_buf oops;
	struct kshim_env env = {.kmem = &host_kmem, .oops = &oops};
	kshim_set_env(&env);
	int x;
	if (_setjmp(oops) == 0)
		kfree(&x);
	cr_expect_eq(vrs_report_count(VRS_FIND_KERNEL_BUG), 1);
	void *p = kmalloc(32, GFP_KERNEL);
	cr_expect_eq(kshim_env_live(&env), 32);
	kfree(p);
	cr_expect_eq(kshim_env_live(&env), 0);
	kshim_env_free(&env);
	kshim_set_env(NULL);
}

static bool atomic_only(void *ctx, bool may_sleep)
{
	(void)ctx;
	return !may_sleep;
}

static bool always(void *ctx, bool may_sleep)
{
	(void)ctx;
	(void)may_sleep;
	return true;
}

Test(linux_ring, a_kmalloc_may_be_refused_the_ring_never)
{
	struct kshim_env env = {.kmem = &host_kmem, .refuse = atomic_only};
	kshim_set_env(&env);
	cr_expect_null(kmalloc(16, GFP_ATOMIC));
	void *p = kmalloc(16, GFP_KERNEL); /* the refuser is told it may sleep */
	cr_expect_not_null(p);
	kfree(p);
	env.refuse = always;
	cr_expect_null(kmalloc(16, GFP_KERNEL));
	p = alloc_pages_exact(4096, GFP_KERNEL); /* the ring's own pages */
	cr_expect_not_null(p);
	free_pages_exact(p, 4096);
	kshim_env_free(&env);
	kshim_set_env(NULL);
}

static struct virtqueue fake_vq(unsigned num_free)
{
	return (struct virtqueue){.num_free = num_free};
}

Test(linux_ring, the_contract_holds_add_to_its_kernel_doc)
{
	struct kring_contract c = {0};
	struct kshim_env env = {0};
	struct kring_before b = {.num_free = 4, .broken = false, .nsegs = 2};
	int token;
	/* correct: added, num_free went down */
	struct virtqueue vq = fake_vq(2);
	kring_contract_added(&c, &env, &b, &vq, 0, &token, NULL, 0);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 0);
	/* broken: -ENOSPC with room for the buffer */
	vq = fake_vq(4);
	kring_contract_added(&c, &env, &b, &vq, -ENOSPC, &c, NULL, 0);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 1);
	/* broken: -ENOMEM though no mapping failed */
	kring_contract_added(&c, &env, &b, &vq, -ENOMEM, &c, NULL, 0);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 2);
	/* correct: -ENOMEM after a mapping failure */
	env.map_failures = 1;
	kring_contract_added(&c, &env, &b, &vq, -ENOMEM, &c, NULL, 0);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 2);
	/* broken: success on a broken queue */
	struct kring_before broken = {.num_free = 4, .broken = true, .nsegs = 1};
	vq = fake_vq(3);
	kring_contract_added(&c, &env, &broken, &vq, 0, &env, NULL, 0);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 3);
	/* correct: -EIO on a broken queue, mapping failure or not */
	vq = fake_vq(4);
	kring_contract_added(&c, &env, &broken, &vq, -EIO, &c, NULL, 0);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 3);
	/* broken: -EIO after a mapping failure on a queue that is not */
	struct kring_before packed = {.num_free = 4, .packed = true, .nsegs = 2};
	kring_contract_added(&c, &env, &packed, &vq, -EIO, &c, NULL, 0);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 4);
	cr_expect(strstr(vrs_report_last(VRS_FIND_API_CONTRACT),
			 "returned -EIO after a DMA mapping failure"));
	/* broken: -EIO with no mapping failure and no break */
	env.map_failures = 0;
	kring_contract_added(&c, &env, &b, &vq, -EIO, &c, NULL, 0);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 5);
	cr_expect(strstr(vrs_report_last(VRS_FIND_API_CONTRACT),
			 "with no mapping failure"));
	kring_contract_free(&c);
}

/* A real queue of the kernel's on a machine, for the checks that look at
 * the kernel's own state, its DMA maps failing when the test says so
 * (fault injection wrapped around the machine's DMA API). */
struct kernel_queue {
	struct vrs_machine *m;
	struct vrs_kmem kmem;
	struct vrs_dma_fault fault;
	struct vrs_dma dma;
	struct vrs_qpair qp;
	void *bufs[3];
};

static void notify_nothing(void *ctx, uint32_t data)
{
	(void)ctx;
	(void)data;
}

static void open_queue(struct kernel_queue *k, unsigned num, uint64_t features)
{
	memset(k, 0, sizeof(*k));
	cr_assert_eq(vrs_machine_create(NULL, &k->m), 0);
	struct vrs_run_config rc = {.platform = VRS_PLAT_KVM,
				    .access_platform = true};
	cr_assert_eq(vrs_machine_setup(k->m, &rc), 0);
	vrs_sim_kmem(vrs_machine_gmem(k->m), &k->kmem);
	vrs_dma_fault_init(&k->fault, vrs_machine_dma(k->m), 0, false);
	vrs_dma_fault_dma(&k->fault, &k->dma);
	struct vrs_qpair_config pc = {
		.driver = linux_ops, .num = num, .features = features,
		.dma = &k->dma, .kmem = &k->kmem, .notify = notify_nothing,
		.device_honest = true,
	};
	cr_assert_eq(vrs_qpair_open(&k->qp, k->m, &pc), 0);
	for (unsigned i = 0; i < 3; i++) {
		k->bufs[i] = k->kmem.alloc(k->kmem.ctx, 64);
		cr_assert_not_null(k->bufs[i]);
	}
}

static void close_queue(struct kernel_queue *k)
{
	for (unsigned i = 0; i < 3; i++)
		k->kmem.free(k->kmem.ctx, k->bufs[i], 64);
	vrs_qpair_destroy(&k->qp);
	vrs_machine_destroy(k->m);
}

/* Two readable segments and a writable one, the second map failing:
 * the chain's first descriptor is already mapped when it does. */
static int add_failing_mid_chain(struct kernel_queue *k, void *token)
{
	struct vrs_sg sg[3];
	for (unsigned i = 0; i < 3; i++)
		sg[i] = (struct vrs_sg){.buf = k->bufs[i], .len = 64};
	k->fault.fail_nth = k->fault.calls + 2;
	int rc = vrs_dq_add(k->qp.dq, sg, 2, 1, token);
	k->fault.fail_nth = 0;
	return rc;
}

/* The packed ring's direct add returns -EIO from unmap_release after a
 * DMA mapping failure (6.1.192, 6.12.118), where its kernel-doc and
 * f7728002c1c7 want -ENOMEM: an api-contract finding naming the cause. */
Test(linux_ring, packed_eio_after_a_mapping_failure_is_a_finding)
{
	struct kernel_queue k;
	open_queue(&k, 8, V1 | AP | VRS_BIT(VRS_F_RING_PACKED));
	int token;
	cr_expect_eq(add_failing_mid_chain(&k, &token), -EIO);
	cr_expect_eq(k.fault.injected, 1);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 1);
	const char *msg = vrs_report_last(VRS_FIND_API_CONTRACT);
	static const char want[] =
		"virtqueue_add returned -EIO after a DMA mapping failure on a "
		"queue that is not broken (packed ring, direct descriptors: "
		"unmap_release); its kernel-doc";
	cr_expect(strncmp(msg, want, sizeof(want) - 1) == 0, "%s", msg);
	cr_expect(strstr(msg, "f7728002c1c7 want -ENOMEM"), "%s", msg);
	close_queue(&k);
}

/* Quiet where the return is the documented one: the same failure on the
 * split ring gives -ENOMEM; a broken packed queue gives -EIO. */
Test(linux_ring, documented_returns_after_a_mapping_failure_are_quiet)
{
	const uint64_t packed = VRS_BIT(VRS_F_RING_PACKED);
	for (unsigned broken = 0; broken < 2; broken++) {
		struct kernel_queue k;
		open_queue(&k, 8, V1 | AP | (broken ? packed : 0));
		struct virtqueue *vq = vrs_linux_virtqueue(k.qp.dq);
		cr_assert_not_null(vq);
		if (broken)
			__virtqueue_break(vq);
		int token;
		cr_expect_eq(add_failing_mid_chain(&k, &token),
			     broken ? -EIO : -ENOMEM);
		/* a broken queue refuses before it maps anything */
		cr_expect_eq(k.fault.injected, broken ? 0u : 1u);
		cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 0, "%s",
			     vrs_report_last(VRS_FIND_API_CONTRACT));
		if (broken)
			__virtqueue_unbreak(vq);
		close_queue(&k);
	}
}

Test(linux_ring, the_contract_returns_each_token_once)
{
	struct kring_contract c = {.device_honest = true};
	struct kshim_env env = {0};
	struct kring_before b = {.num_free = 4, .nsegs = 1};
	struct virtqueue vq = fake_vq(3);
	int tokens[300];
	for (unsigned i = 0; i < 300; i++)
		kring_contract_added(&c, &env, &b, &vq, 0, &tokens[i], NULL, 100);
	cr_expect_eq(c.live, 300);
	for (unsigned i = 0; i < 300; i += 2) {
		kring_contract_got(&c, &tokens[i], 100, NULL);
		kring_contract_forget(&c, &tokens[i]);
	}
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 0);
	/* broken: the same token again, a token never added, a long len */
	kring_contract_got(&c, &tokens[0], 10, NULL);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 1);
	kring_contract_detached(&c, &c);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 2);
	kring_contract_got(&c, &tokens[1], 101, NULL);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 3);
	/* broken: buffers lost at teardown */
	kring_contract_teardown(&c, false);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 4);
	cr_expect_eq(c.live, 0);
	kring_contract_free(&c);
}

Test(linux_ring, the_free_list_check_sees_a_corrupt_queue)
{
	struct kernel_queue k;
	open_queue(&k, 8, V1 | AP | VRS_BIT(VRS_F_INDIRECT_DESC));
	struct virtqueue *vq = vrs_linux_virtqueue(k.qp.dq);
	cr_assert_not_null(vq);
	cr_expect_eq(vrs_dq_check(k.qp.dq), 0);
	unsigned saved = vq->num_free;
	vq->num_free = 9; /* more free than the ring has */
	cr_expect_eq(vrs_dq_check(k.qp.dq), -EINVAL);
	vq->num_free = saved;
	cr_expect_eq(vrs_dq_check(k.qp.dq), 0);
	close_queue(&k);
	cr_expect_eq(vrs_report_count(VRS_FIND_COUNT), 0);
}

/* A device that forges the NEXT flag of a used chain's last descriptor
 * in the descriptor table it can write: detach_buf_split follows it into
 * the next buffer, still in flight, and puts that one's descriptors on
 * the free list; when that buffer comes back they go on it again, and
 * the free list loops. The run's state check (sim/checks.c) reports it as the
 * kernel's own state, not as a vrsim protocol violation. */
Test(linux_ring, a_forged_next_corrupts_the_kernels_state_and_is_named)
{
	struct vrs_sim *s = sim;
	struct vrs_run_config rc = {.platform = VRS_PLAT_KVM};
	cr_assert_eq(vrs_machine_setup(s->m, &rc), 0);
	struct vrs_qpair_config pc = {.driver = linux_ops, .num = 8,
				      .features = V1, .kmem = &s->kmem,
				      .notify = notify_nothing};
	cr_assert_eq(vrs_qpair_open(&s->pair[0], s->m, &pc), 0);
	s->nq = 1;
	s->q[0].dq = s->pair[0].dq;
	s->q[0].dev = s->pair[0].dev;
	s->driver_under_test = true; /* the device is the adversary */
	s->device_under_test = false;
	s->cfg.raw_driver = false;
	s->state_reported = false;
	struct virtqueue *vq = vrs_linux_virtqueue(s->q[0].dq);
	cr_assert_not_null(vq);
	const struct vring *vr = virtqueue_get_vring(vq);

	/* Buffers A, B, C of two descriptors each, none used yet. */
	int tokens[3];
	void *mem[6];
	for (unsigned i = 0; i < 3; i++) {
		mem[2 * i] = s->kmem.alloc(s->kmem.ctx, 32);
		mem[2 * i + 1] = s->kmem.alloc(s->kmem.ctx, 32);
		struct vrs_sg sg[2] = {{mem[2 * i], 32}, {mem[2 * i + 1], 32}};
		cr_assert_eq(vrs_dq_add(s->q[0].dq, sg, 1, 1, &tokens[i]), 0);
	}
	vrs_sim_check_state(s);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	unsigned head_a = virtio16_to_cpu(vq->vdev, vr->avail->ring[0]);
	unsigned head_b = virtio16_to_cpu(vq->vdev, vr->avail->ring[1]);
	unsigned last_a = virtio16_to_cpu(vq->vdev, vr->desc[head_a].next);

	/* The device: NEXT on A's last descriptor, then A and B used. */
	vr->desc[last_a].flags |= cpu_to_virtio16(vq->vdev, VRING_DESC_F_NEXT);
	vr->desc[last_a].next = cpu_to_virtio16(vq->vdev, head_b);
	vr->used->ring[0].id = cpu_to_virtio32(vq->vdev, head_a);
	vr->used->ring[0].len = 0;
	vr->used->ring[1].id = cpu_to_virtio32(vq->vdev, head_b);
	vr->used->ring[1].len = 0;
	vr->used->idx = cpu_to_virtio16(vq->vdev, 2);
	uint32_t len;
	void *token;
	cr_assert_eq(vrs_dq_get_buf(s->q[0].dq, &len, &token), 0);
	cr_expect_eq(token, &tokens[0]);
	cr_assert_eq(vrs_dq_get_buf(s->q[0].dq, &len, &token), 0);
	cr_expect_eq(token, &tokens[1]);

	cr_expect_eq(vrs_dq_check(s->q[0].dq), -EINVAL);
	cr_expect(strstr(vrs_dq_check_reason(s->q[0].dq), "free list loops"),
		  "%s", vrs_dq_check_reason(s->q[0].dq));
	vrs_sim_check_state(s);
	cr_expect_eq(vrs_report_count(VRS_FIND_PROTOCOL), 0, "%s",
		     vrs_report_last(VRS_FIND_PROTOCOL));
	cr_expect_eq(vrs_report_count(VRS_FIND_KERNEL_STATE), 1);
	const char *msg = vrs_report_last(VRS_FIND_KERNEL_STATE);
	static const char want[] =
		"q0: the Linux ring's own state is corrupt (free list loops at ";
	cr_expect(strncmp(msg, want, sizeof(want) - 1) == 0, "%s", msg);
	cr_expect(strstr(msg, ") after the device wrote the ring: the kernel "
			      "trusted device-writable memory"), "%s", msg);
	cr_expect_str_eq(vrs_finding_name(VRS_FIND_KERNEL_STATE),
			 "kernel-state-corrupt");

	vrs_qpair_shutdown(&s->pair[0]);
	for (unsigned i = 0; i < 6; i++)
		s->kmem.free(s->kmem.ctx, mem[i], 32);
	vrs_machine_clean(s->m);
}

Test(linux_ring, memory_the_kernel_keeps_after_del_is_a_leak)
{
	struct kernel_queue k;
	open_queue(&k, 8, V1 | AP | VRS_BIT(VRS_F_INDIRECT_DESC));
	vrs_qpair_shutdown(&k.qp);
	cr_expect_eq(vrs_report_count(VRS_FIND_KERNEL_LEAK), 0);
	/* the kernel allocates and forgets, in the queue's environment */
	cr_assert_eq(vrs_qpair_open(&k.qp, k.m, &k.qp.cfg), 0);
	(void)vrs_linux_virtqueue(k.qp.dq);
	cr_assert_not_null(kmalloc(64, GFP_KERNEL));
	vrs_qpair_shutdown(&k.qp);
	cr_expect_eq(vrs_report_count(VRS_FIND_KERNEL_LEAK), 1);
	close_queue(&k);
}

Test(linux_ring, a_reset_that_keeps_buffers_breaks_the_contract)
{
	struct kring_contract c = {0};
	struct kshim_env env = {0};
	struct kring_before b = {.num_free = 4, .nsegs = 1};
	struct virtqueue vq = fake_vq(3);
	kring_contract_reset_done(&c, 0);
	kring_contract_reset_done(&c, -E2BIG);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 0);
	kring_contract_added(&c, &env, &b, &vq, 0, &c, NULL, 0);
	kring_contract_reset_done(&c, 0);
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 1);
	kring_contract_reset_done(&c, -ENOTTY); /* not a documented return */
	cr_expect_eq(vrs_report_count(VRS_FIND_API_CONTRACT), 2);
	kring_contract_free(&c);
}
