/** Source selection through an injected reader: Kbuild lists, skipped files, unreadable paths. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { parseKbuild } from '../server/src/analysis/kbuild';
import { selectSources, type DirEntry, type FileReader } from '../server/src/analysis/workspace';

/** A reader over an in-memory tree: `{ 'dir/a.c': 'text' }`. */
function memoryReader(files: Record<string, string>): FileReader {
  const dirs = new Set<string>();
  for (const f of Object.keys(files)) for (let d = path.dirname(f); d !== '.' && d !== '/'; d = path.dirname(d)) dirs.add(d);
  return {
    read: (f) => (f in files ? Buffer.from(files[f]) : { error: 'no such file or directory' }),
    isDirectory: (p) => (dirs.has(p) ? true : p in files ? false : { error: 'no such file or directory' }),
    list: (d) => {
      if (!dirs.has(d)) return { error: 'no such file or directory' };
      const names = new Map<string, DirEntry>();
      for (const p of [...Object.keys(files), ...dirs]) {
        if (path.dirname(p) !== d) continue;
        names.set(path.basename(p), { name: path.basename(p), isDirectory: dirs.has(p) });
      }
      return [...names.values()];
    },
  };
}

test('Kbuild object lists: obj-m, obj-$(CONFIG), composite objects, continuation lines; flags are not objects', () => {
  const { objects } = parseKbuild(['obj-m += drv.o', 'obj-$(CONFIG_DRV_EXTRA) += extra.o', 'drv-objs := core.o \\', '\tirq.o', 'drv-$(CONFIG_PM) += pm.o', 'ccflags-y += -DDEBUG -I$(src)/inc.o'].join('\n'));
  assert.deepEqual([...objects].sort(), ['core', 'drv', 'extra', 'irq', 'pm']);
});

test('a directory with a Makefile analyses only the .c files it builds; headers always count', () => {
  const reader = memoryReader({
    'drv/Makefile': 'obj-m += drv.o\ndrv-objs := core.o irq.o\n',
    'drv/core.c': '',
    'drv/irq.c': '',
    'drv/legacy.c': '',
    'drv/drv.h': '',
    'drv/sub/other.c': '',
  });
  const s = selectSources(['drv'], reader);
  assert.deepEqual(s.files, ['drv/core.c', 'drv/drv.h', 'drv/irq.c', 'drv/sub/other.c']);
  assert.deepEqual(s.skipped, [{ file: 'drv/legacy.c', reason: 'not built by drv/Makefile' }]);
  assert.deepEqual(s.errors, []);
});

test('a missing path is an error with its reason, not an exception', () => {
  const s = selectSources(['nowhere'], memoryReader({ 'a/b.c': '' }));
  assert.deepEqual(s.errors, [{ file: 'nowhere', reason: 'no such file or directory' }]);
});
