/*
 * Cyclic backend on hrtimers. Each cyclic's handler runs straight from the hrtimer
 * interrupt, so whatever a handler calls runs in hardirq context with IRQs off.
 */
#include <linux/hrtimer.h>
#include <linux/slab.h>
#include "cyclic.h"

struct cyclic_be {
	struct hrtimer timer;
	cyc_handler_t hdlr;
	ktime_t interval;
};

static enum hrtimer_restart be_callback(struct hrtimer *timer)
{
	struct cyclic_be *be = container_of(timer, struct cyclic_be, timer);

	be->hdlr.cyh_func(be->hdlr.cyh_arg);
	hrtimer_forward_now(timer, be->interval);
	return HRTIMER_RESTART;
}

cyclic_id_t cyclic_add(cyc_handler_t *hdlr, cyc_time_t *when)
{
	struct cyclic_be *be = kzalloc(sizeof(*be), GFP_KERNEL);

	if (!be)
		return CYCLIC_NONE;
	be->hdlr = *hdlr;
	be->interval = ns_to_ktime(when->cyt_interval);
	hrtimer_init(&be->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	be->timer.function = be_callback;
	hrtimer_start(&be->timer, be->interval, HRTIMER_MODE_REL);
	return (cyclic_id_t)be;
}

void cyclic_remove(cyclic_id_t id)
{
	struct cyclic_be *be = (struct cyclic_be *)id;

	hrtimer_cancel(&be->timer);
	kfree(be);
}
