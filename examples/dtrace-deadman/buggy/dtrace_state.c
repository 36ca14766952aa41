/*
 * The deadman watchdog as the DTrace port had it (2011): a cyclic calls
 * dtrace_state_deadman() from the hrtimer interrupt, and it syncs all CPUs right there.
 * kernel/smp.c WARNs "at kernel/smp.c:421 smp_call_function_many" and, when another
 * CPU waits on this one with IRQs off, both hang.
 */
#include <linux/kernel.h>
#include "../common/dtrace.h"

static void dtrace_state_deadman(dtrace_state_t *state)
{
	u64 now;

	dtrace_sync();
	now = dtrace_gethrtime();
	if (now - state->dts_alive > dtrace_deadman_timeout)
		pr_warn("dtrace: consumer is not responding\n");
	state->dts_alive = now;
}

int dtrace_state_go(dtrace_state_t *state)
{
	cyc_handler_t hdlr;
	cyc_time_t when;

	hdlr.cyh_func = (cyc_func_t)dtrace_state_deadman;
	hdlr.cyh_arg = state;
	when.cyt_when = 0;
	when.cyt_interval = dtrace_deadman_interval;
	state->dts_alive = dtrace_gethrtime();
	state->dts_deadman = cyclic_add(&hdlr, &when);
	return 0;
}
