/**
 * A generated workspace of driver-like C for the latency benchmark: per file an ops table
 * of function pointers, IRQ handlers registered with request_irq, chains of helpers with
 * spinlocks, branches and MMIO, calls into a shared common.c, and a few forbidden calls so
 * that there are findings to keep. Deterministic: the same sizes give the same text.
 */
import * as fs from 'fs';
import * as path from 'path';

/** One helper: about twenty lines of code a driver would have. */
function helper(p: string, k: number, helpers: number, sleeps: boolean): string {
  const next = k + 1 < helpers ? `\t\t${p}_helper_${k + 1}(d, v >> 1);\n` : '';
  return `/*
 * ${p}_helper_${k}: step ${k} of the ${p} status path.
 */
static void ${p}_helper_${k}(struct ${p}_dev *d, u32 v)
{
\tunsigned long flags;
\tu32 status = readl(d->base + ${(k * 4) % 256});

\tif (status & BIT(${k % 32})) {
${next}\t\td->stats[${k % 8}]++;
\t}
\tspin_lock_irqsave(&d->lock, flags);
\td->status = status | v;
\tspin_unlock_irqrestore(&d->lock, flags);
\tudelay(${(k % 9) + 1});
${sleeps ? '\tmsleep(1);\n' : ''}\tcommon_account(d->common, status);
}

`;
}

/** One driver file of about `lines` lines; `index` names its symbols. */
export function driverFile(index: number, lines: number): string {
  const p = `drv${index}`;
  const helpers = Math.max(4, Math.round((lines - 60) / 19));
  const head = `// SPDX-License-Identifier: GPL-2.0
/* Generated driver ${index} for the irqlens latency benchmark. */
#include <linux/interrupt.h>
#include <linux/spinlock.h>
#include <linux/delay.h>
#include "common.h"

struct ${p}_dev;

struct ${p}_ops {
\tvoid (*start)(struct ${p}_dev *d, u32 v);
\tvoid (*stop)(struct ${p}_dev *d, u32 v);
};

struct ${p}_dev {
\tspinlock_t lock;
\tvoid __iomem *base;
\tconst struct ${p}_ops *ops;
\tstruct common_dev *common;
\tu32 status;
\tu64 stats[8];
\tint irq;
};

`;
  let body = '';
  // Every eighth file has a helper that sleeps: reached from its IRQ handler, a finding.
  for (let k = helpers - 1; k >= 0; k--) body += helper(p, k, helpers, index % 8 === 0 && k === helpers - 2);
  const tail = `static const struct ${p}_ops ${p}_ops = {
\t.start = ${p}_helper_0,
\t.stop = ${p}_helper_${Math.min(3, helpers - 1)},
};

static irqreturn_t ${p}_irq(int irq, void *data)
{
\tstruct ${p}_dev *d = data;
\tu32 pending = readl(d->base + 0x10);

\tif (!pending)
\t\treturn IRQ_NONE;
\td->ops->start(d, pending);
\twritel(pending, d->base + 0x10);
\treturn IRQ_HANDLED;
}

int ${p}_probe(struct ${p}_dev *d)
{
\td->ops = &${p}_ops;
\tspin_lock_init(&d->lock);
\treturn request_irq(d->irq, ${p}_irq, 0, "${p}", d);
}
`;
  return head + body + tail;
}

const COMMON_H = `/* Shared declarations of the generated workspace. */
struct common_dev {
\tu64 events;
};

void common_account(struct common_dev *c, u32 status);
`;

const COMMON_C = `// SPDX-License-Identifier: GPL-2.0
#include "common.h"

void common_account(struct common_dev *c, u32 status)
{
\tif (status)
\t\tc->events++;
}
`;

/**
 * Writes a workspace of about `totalLines` lines into `dir`: common.c/.h and driver files
 * of `fileLines` lines each. Returns the path of the first driver file (the one to edit).
 */
export function writeWorkspace(dir: string, totalLines: number, fileLines: number): { edited: string; lines: number; files: number } {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'common.h'), COMMON_H);
  fs.writeFileSync(path.join(dir, 'common.c'), COMMON_C);
  let lines = COMMON_H.split('\n').length + COMMON_C.split('\n').length;
  let files = 2;
  for (let i = 0; lines < totalLines; i++) {
    const text = driverFile(i, fileLines);
    fs.writeFileSync(path.join(dir, `drv${i}.c`), text);
    lines += text.split('\n').length;
    files++;
  }
  return { edited: path.join(dir, 'drv0.c'), lines, files };
}
