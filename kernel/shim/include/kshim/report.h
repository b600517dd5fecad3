/* How the kernel's own alarms reach vrsim's oracles. BUG() ends the kernel
 * thread that hit it: the shim reports a kernel-bug finding and unwinds to
 * the adapter call that entered the kernel (kshim_enter), which marks the
 * queue dead. WARN() is a kernel-warn finding and carries on, as Linux
 * does. Neither is ever an assert that NDEBUG could remove. Printing
 * (dev_err and friends) is kept as the queue's last message: BAD_RING's
 * reason reaches the trace through broken_reason. */
#ifndef KSHIM_REPORT_H
#define KSHIM_REPORT_H

__attribute__((noreturn)) void kshim_bug(const char *cond, const char *file,
					 int line);
bool kshim_warn(bool cond, bool once, bool *done, const char *what,
		const char *file, int line);
void kshim_printk(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#include <stdarg.h>
void kshim_vprintk(const char *fmt, va_list ap);

#define BUG() kshim_bug("BUG()", __FILE__, __LINE__)
#define BUG_ON(cond)                                                           \
	do {                                                                   \
		if (unlikely(cond))                                            \
			kshim_bug("BUG_ON(" #cond ")", __FILE__, __LINE__);    \
	} while (0)
#define WARN_ON(cond)                                                          \
	({                                                                     \
		bool __w = !!(cond);                                           \
		kshim_warn(__w, false, NULL, "WARN_ON(" #cond ")", __FILE__,   \
			   __LINE__);                                          \
	})
#define WARN_ON_ONCE(cond)                                                     \
	({                                                                     \
		static bool __done;                                            \
		bool __w = !!(cond);                                           \
		kshim_warn(__w, true, &__done, "WARN_ON_ONCE(" #cond ")",      \
			   __FILE__, __LINE__);                                \
	})
#define WARN(cond, fmt...)                                                     \
	({                                                                     \
		bool __w = !!(cond);                                           \
		kshim_warn(__w, false, NULL, "WARN(" #cond ")", __FILE__,      \
			   __LINE__);                                          \
	})
#define WARN_ONCE(cond, fmt...) WARN_ON_ONCE(cond)

#define KERN_ERR "err"
#define KERN_WARNING "warn"
#define KERN_INFO "info"
#define KERN_DEBUG "debug"
#define KERN_NOTICE "notice"
#define printk(fmt...) kshim_printk("info", fmt)
#define pr_err(fmt...) kshim_printk("err", fmt)
#define pr_warn(fmt...) kshim_printk("warn", fmt)
#define pr_info(fmt...) kshim_printk("info", fmt)
#define pr_notice(fmt...) kshim_printk("notice", fmt)
#define vprintk(fmt, ap) kshim_vprintk(fmt, ap)
/* pr_debug is compiled out in a kernel built without DEBUG: it costs
 * nothing there, and costs nothing here. */
#define pr_debug(fmt...) do { if (0) kshim_printk("debug", fmt); } while (0)
#define panic(fmt...) kshim_bug("panic()", __FILE__, __LINE__)

#endif
