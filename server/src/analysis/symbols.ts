/**
 * The workspace's function and macro symbols, with C's scoping: a `static` function is
 * visible only in its own file and shadows global ones there; a global name may have
 * several definitions (one per `#if` branch, or one per module) and a call reaches all.
 */
import type { FileFacts, FunctionFacts, MacroFacts } from '../syntax/facts';

export interface FnDef {
  /** Dense id, the function's index in `Symbols.defs`. */
  id: number;
  file: string;
  facts: FunctionFacts;
}

export interface MacroDef {
  file: string;
  facts: MacroFacts;
}

export class Symbols {
  readonly defs: FnDef[] = [];
  private readonly globals = new Map<string, FnDef[]>();
  private readonly statics = new Map<string, Map<string, FnDef[]>>();
  private readonly macros = new Map<string, MacroDef[]>();
  /** typedef alias -> struct name, workspace-wide. */
  readonly typedefs = new Map<string, string>();

  constructor(files: Iterable<FileFacts>) {
    for (const file of files) {
      for (const fn of file.functions) {
        const def: FnDef = { id: this.defs.length, file: file.path, facts: fn };
        this.defs.push(def);
        if (fn.isStatic) {
          const perFile = this.statics.get(file.path) ?? new Map<string, FnDef[]>();
          this.statics.set(file.path, perFile);
          push(perFile, fn.name, def);
        } else {
          push(this.globals, fn.name, def);
        }
      }
      for (const m of file.macros) push(this.macros, m.name, { file: file.path, facts: m });
      for (const t of file.typedefs) this.typedefs.set(t.alias, t.target);
    }
  }

  /** The definitions a call to `name` from `fromFile` reaches. */
  resolve(name: string, fromFile: string): FnDef[] {
    return this.statics.get(fromFile)?.get(name) ?? this.globals.get(name) ?? [];
  }

  /** A workspace macro `name` as seen from `fromFile` (its own file's first, then any header's). */
  macro(name: string, fromFile: string): MacroDef | undefined {
    const all = this.macros.get(name);
    if (!all) return undefined;
    return all.find((m) => m.file === fromFile) ?? all[0];
  }

  /** Struct name behind a type name, through typedefs. */
  structName(type: string): string {
    return this.typedefs.get(type) ?? type;
  }

  byName(name: string): FnDef[] {
    const out = [...(this.globals.get(name) ?? [])];
    for (const perFile of this.statics.values()) out.push(...(perFile.get(name) ?? []));
    return out;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
