/*
 * The deadman watchdog, corrected: the cyclic only queues work from the hrtimer
 * interrupt, and the cross-CPU sync runs later in a kworker, in process context.
 */
#include <linux/kernel.h>
#include <linux/workqueue.h>
#include "../common/dtrace.h"

static void dtrace_deadman_work(struct work_struct *work)
{
	dtrace_state_t *state = container_of(work, dtrace_state_t, dts_deadman_work);
	u64 now;

	dtrace_sync();
	now = dtrace_gethrtime();
	if (now - state->dts_alive > dtrace_deadman_timeout)
		pr_warn("dtrace: consumer is not responding\n");
	state->dts_alive = now;
}

static void dtrace_state_deadman(dtrace_state_t *state)
{
	schedule_work(&state->dts_deadman_work);
}

int dtrace_state_go(dtrace_state_t *state)
{
	cyc_handler_t hdlr;
	cyc_time_t when;

	INIT_WORK(&state->dts_deadman_work, dtrace_deadman_work);
	hdlr.cyh_func = (cyc_func_t)dtrace_state_deadman;
	hdlr.cyh_arg = state;
	when.cyt_when = 0;
	when.cyt_interval = dtrace_deadman_interval;
	state->dts_alive = dtrace_gethrtime();
	state->dts_deadman = cyclic_add(&hdlr, &when);
	return 0;
}
