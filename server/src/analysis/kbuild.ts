/**
 * Kbuild source selection: where a directory's Makefile or Kbuild file lists objects
 * (`obj-m += foo.o`, `obj-$(CONFIG_X) += bar.o`, `foo-objs := a.o b.o`, `foo-y += c.o`),
 * only the `.c` files those objects are built from are analysed; the others are listed
 * as skipped. A directory without a Makefile counts whole. Every `CONFIG_` choice is
 * taken (the union), as the rest of the analysis does for `#if`.
 */

/** Variables that list flags or generated files, not objects built from sources. */
const NOT_OBJECTS = /^(ccflags|asflags|ldflags|subdir-ccflags|subdir-asflags|clean-files|hostprogs|always|targets|extra|CFLAGS|AFLAGS|LDFLAGS|KBUILD|OBJECT_FILES|GCOV|KASAN|KCSAN|UBSAN|KCOV)/;

export interface KbuildObjects {
  /** Base names of the objects listed (`foo` for `foo.o`). */
  objects: Set<string>;
}

/** Reads the object names a Makefile or Kbuild file lists. */
export function parseKbuild(text: string): KbuildObjects {
  const objects = new Set<string>();
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.replace(/#.*$/, '');
    const m = /^\s*([A-Za-z0-9_.$()-]+)\s*(?::=|\+=|\?=|=)\s*(.*)$/.exec(line);
    if (!m || NOT_OBJECTS.test(m[1])) continue;
    for (const token of m[2].split(/\s+/)) {
      const t = /(?:^|\/)([\w-]+)\.o$/.exec(token.replace(/^\$\(\w+\)\//, ''));
      if (t) objects.add(t[1]);
    }
  }
  return { objects };
}
