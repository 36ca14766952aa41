/*
 * Cross-CPU calls for DTrace: run a function on one CPU or on all of them, and wait
 * until every CPU has run it. Correct from process context only.
 */
#include <linux/smp.h>
#include <linux/ktime.h>
#include "dtrace.h"

u64 dtrace_deadman_interval = NSEC_PER_SEC;
u64 dtrace_deadman_timeout = 10 * NSEC_PER_SEC;

static void orig_dtrace_xcall(processorid_t cpu, dtrace_xcall_t func, void *arg)
{
	if (cpu == DTRACE_CPUALL) {
		/* Runs func on every other CPU and spins until all of them did. */
		smp_call_function(func, arg, 1);
		func(arg);
	} else {
		smp_call_function_single(cpu, func, arg, 1);
	}
}

void dtrace_xcall(processorid_t cpu, dtrace_xcall_t func, void *arg)
{
	orig_dtrace_xcall(cpu, func, arg);
}

static void dtrace_sync_func(void *ignored)
{
}

/* Makes sure every CPU has left any probe context that was in flight. */
void dtrace_sync(void)
{
	dtrace_xcall(DTRACE_CPUALL, dtrace_sync_func, NULL);
}

u64 dtrace_gethrtime(void)
{
	return ktime_get_ns();
}
