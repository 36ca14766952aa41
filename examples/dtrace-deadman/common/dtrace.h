#ifndef _DTRACE_H
#define _DTRACE_H

#include <linux/workqueue.h>
#include "cyclic.h"

#define DTRACE_CPUALL -1

typedef int processorid_t;
typedef void (*dtrace_xcall_t)(void *);

typedef struct dtrace_state {
	cyclic_id_t dts_deadman;
	u64 dts_alive;
	u64 dts_laststatus;
	struct work_struct dts_deadman_work;
} dtrace_state_t;

extern u64 dtrace_deadman_interval;
extern u64 dtrace_deadman_timeout;

void dtrace_xcall(processorid_t cpu, dtrace_xcall_t func, void *arg);
void dtrace_sync(void);
u64 dtrace_gethrtime(void);

#endif
