/* The kernel's language: types, compiler words, lists, locks, errors and
 * printing, as much of it as virtio_ring.c and the kernel's own virtio
 * headers use. Written by vrsim; nothing here is copied from Linux. The
 * semantics that matter to a fuzzing harness are vrsim's: BUG_ON and
 * WARN_ON are findings (kshim/report.h), fences are real fences. */
#ifndef KSHIM_BASE_H
#define KSHIM_BASE_H

#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/types.h> /* the shim's: kernel and uapi integer types */

#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#ifndef LINUX_VERSION_CODE
#error "LINUX_VERSION_CODE must come from the build (kernel/CMakeLists.txt)"
#endif

/* ---- compiler ---- */
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __must_check __attribute__((warn_unused_result))
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __cold __attribute__((cold))
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __maybe_unused __attribute__((unused))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __force
#define __user
#define __iomem
#define __rcu
#define __percpu
#define __bitwise
#define __init
#define __exit
#define noinline __attribute__((noinline))
#define fallthrough __attribute__((__fallthrough__))
#define barrier() __asm__ __volatile__("" ::: "memory")
#define unreachable() __builtin_unreachable()
#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)
#define BUILD_BUG_ON(cond) ((void)sizeof(char[1 - 2 * !!(cond)]))
#define BUILD_BUG_ON_ZERO(e) ((int)(sizeof(struct { int : (-!!(e)); })))
#define typecheck(type, x)                                                     \
	({                                                                     \
		type __dummy;                                                  \
		__typeof__(x) __dummy2;                                        \
		(void)(&__dummy == &__dummy2);                                 \
		1;                                                             \
	})
#define might_sleep() do { } while (0)
#define sizeof_field(TYPE, MEMBER) sizeof((((TYPE *)0)->MEMBER))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member)                                        \
	({                                                                     \
		void *__mptr = (void *)(ptr);                                  \
		((type *)((char *)__mptr - offsetof(type, member)));           \
	})
#define container_of_const(ptr, type, member)                                  \
	_Generic(ptr,                                                          \
		const __typeof__(*(ptr)) *: ((const type *)container_of(ptr, type, member)), \
		default: ((type *)container_of(ptr, type, member)))

/* One access, not torn, not merged: what the kernel's macros promise. */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)                                                     \
	do {                                                                   \
		*(volatile __typeof__(x) *)&(x) = (val);                       \
	} while (0)
#define data_race(expr)                                                        \
	({                                                                     \
		__auto_type __v = (expr);                                      \
		__v;                                                           \
	})

#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define PTR_ALIGN(p, a) ((__typeof__(p))ALIGN((unsigned long)(p), (a)))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define BIT(n) (1ul << (n))
#define BIT_ULL(n) (1ull << (n))
#define U16_MAX ((u16)~0u)
#define U32_MAX ((u32)~0u)
#define SMP_CACHE_BYTES 64

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* ---- byte order (the guest is little-endian, as x86 and arm64) ---- */
#define cpu_to_le16(x) ((__force __le16)htole16(x))
#define cpu_to_le32(x) ((__force __le32)htole32(x))
#define cpu_to_le64(x) ((__force __le64)htole64(x))
#define le16_to_cpu(x) le16toh((__force u16)(x))
#define le32_to_cpu(x) le32toh((__force u32)(x))
#define le64_to_cpu(x) le64toh((__force u64)(x))
#define cpu_to_be16(x) ((__force __be16)htobe16(x))
#define cpu_to_be32(x) ((__force __be32)htobe32(x))
#define cpu_to_be64(x) ((__force __be64)htobe64(x))
#define be16_to_cpu(x) be16toh((__force u16)(x))
#define be32_to_cpu(x) be32toh((__force u32)(x))
#define be64_to_cpu(x) be64toh((__force u64)(x))
#define __cpu_to_le16 cpu_to_le16
#define __cpu_to_le32 cpu_to_le32
#define __cpu_to_le64 cpu_to_le64
#define __le16_to_cpu le16_to_cpu
#define __le32_to_cpu le32_to_cpu
#define __le64_to_cpu le64_to_cpu
#define __cpu_to_be16 cpu_to_be16
#define __cpu_to_be32 cpu_to_be32
#define __cpu_to_be64 cpu_to_be64
#define __be16_to_cpu be16_to_cpu
#define __be32_to_cpu be32_to_cpu
#define __be64_to_cpu be64_to_cpu

/* ---- errors ---- */
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }

/* ---- lists ---- */
struct list_head {
	struct list_head *next, *prev;
};
#define LIST_HEAD_INIT(name) { &(name), &(name) }
static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l->prev = l;
}
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}
static inline void list_del(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
}
static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_for_each_entry(pos, head, member)                                 \
	for (pos = list_entry((head)->next, __typeof__(*pos), member);         \
	     &pos->member != (head);                                           \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

/* ---- locks: one thread runs the kernel code, so a lock is a counter
 * that catches a double lock or an unlock of a free lock. ---- */
typedef struct {
	int held;
} spinlock_t;
#define __SPIN_LOCK_UNLOCKED(x) { 0 }
#define spin_lock_init(l) ((l)->held = 0)
void kshim_spin_lock(spinlock_t *l, const char *file, int line);
void kshim_spin_unlock(spinlock_t *l, const char *file, int line);
#define spin_lock(l) kshim_spin_lock(l, __FILE__, __LINE__)
#define spin_unlock(l) kshim_spin_unlock(l, __FILE__, __LINE__)
#define spin_lock_irqsave(l, f) ((void)(f), spin_lock(l))
#define spin_unlock_irqrestore(l, f) ((void)(f), spin_unlock(l))
#define spin_lock_irq(l) spin_lock(l)
#define spin_unlock_irq(l) spin_unlock(l)

struct completion {
	unsigned done;
};

/* RCU: one thread, so every grace period has already passed. */
static inline void synchronize_rcu(void) { }
#define rcu_assign_pointer(p, v) WRITE_ONCE((p), (v))
#define rcu_dereference_raw(p) READ_ONCE(p)

/* Kconfig: the options the device side's headers test. vringh's iotlb
 * flavour is built (CONFIG_VHOST_IOTLB); an option is on when it is
 * defined to 1, as the kernel's kconfig.h reads it. */
#define CONFIG_VHOST_IOTLB 1
#define __KSHIM_ARG_PLACEHOLDER_1 0,
#define __kshim_take_second(ignored, val, ...) val
#define __kshim_is_defined(x) ___kshim_is_defined(x)
#define ___kshim_is_defined(val) ____kshim_is_defined(__KSHIM_ARG_PLACEHOLDER_##val)
#define ____kshim_is_defined(arg1) __kshim_take_second(arg1 1, 0)
#define IS_ENABLED(option) __kshim_is_defined(option)
#define IS_REACHABLE(option) __kshim_is_defined(option)

/* CPU masks are only named by virtio_config.h's affinity hooks. */
struct cpumask;

/* ---- modules ---- */
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define EXPORT_SYMBOL_NS_GPL(s, ns)
#define MODULE_LICENSE(s)
#define MODULE_DESCRIPTION(s)
#define MODULE_AUTHOR(s)
#define MODULE_VERSION(s)
#define THIS_MODULE ((struct module *)0)
struct module;

/* ---- interrupts ---- */
typedef enum irqreturn {
	IRQ_NONE = 0,
	IRQ_HANDLED = 1,
	IRQ_WAKE_THREAD = 2,
} irqreturn_t;

/* ---- time (only DEBUG builds of virtio_ring.c read it) ---- */
typedef int64_t ktime_t;
ktime_t ktime_get(void);
#define ktime_sub(a, b) ((a) - (b))
#define ktime_to_ms(t) ((t) / 1000000)

#include "kshim/report.h"

#endif
