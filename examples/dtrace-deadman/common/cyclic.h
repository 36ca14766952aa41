/* Solaris-style cyclics, as the DTrace port emulated them on Linux. */
#ifndef _CYCLIC_H
#define _CYCLIC_H

#include <linux/types.h>

typedef void (*cyc_func_t)(void *);
typedef uintptr_t cyclic_id_t;

typedef struct cyc_handler {
	cyc_func_t cyh_func;
	void *cyh_arg;
} cyc_handler_t;

typedef struct cyc_time {
	u64 cyt_when;
	u64 cyt_interval;
} cyc_time_t;

#define CYCLIC_NONE ((cyclic_id_t)0)

cyclic_id_t cyclic_add(cyc_handler_t *hdlr, cyc_time_t *when);
void cyclic_remove(cyclic_id_t id);

#endif
