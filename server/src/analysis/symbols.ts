/**
 * The workspace's function and macro symbols, with C's scoping: a `static` function is
 * visible only in its own file and shadows global ones there (a `static inline` in a
 * header, in every file of the header's directory, which is how drivers include them);
 * a global name may have several definitions (one per `#if` branch, or one per module)
 * and a call reaches all of them, preferring those of its own directory, because a name
 * defined by several drivers links to the caller's own module.
 */
import * as path from 'path';
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
  /** Statics defined in headers, by the header's directory. */
  private readonly headerStatics = new Map<string, Map<string, FnDef[]>>();
  /** struct name -> directories that define it; a name defined in several is per-driver. */
  private readonly structDirs = new Map<string, Set<string>>();
  /**
   * Macro name -> defining file -> its definitions there, files in the order first seen:
   * a name like `dprintk` is defined by hundreds of drivers, each using its own.
   */
  private readonly macros = new Map<string, Map<string, MacroDef[]>>();
  /** typedef alias -> struct name, workspace-wide. */
  readonly typedefs = new Map<string, string>();
  /** struct name -> field -> the field's type name (first definition wins). */
  private readonly structFields = new Map<string, Map<string, string>>();

  constructor(files: Iterable<FileFacts>) {
    for (const file of files) {
      for (const fn of file.functions) {
        const def: FnDef = { id: this.defs.length, file: file.path, facts: fn };
        this.defs.push(def);
        if (fn.isStatic) {
          const key = file.path.endsWith('.h') ? path.dirname(file.path) : file.path;
          const table = file.path.endsWith('.h') ? this.headerStatics : this.statics;
          const perFile = table.get(key) ?? new Map<string, FnDef[]>();
          table.set(key, perFile);
          push(perFile, fn.name, def);
        } else {
          push(this.globals, fn.name, def);
        }
      }
      for (const m of file.macros) {
        const byFile = this.macros.get(m.name) ?? new Map<string, MacroDef[]>();
        this.macros.set(m.name, byFile);
        push(byFile, file.path, { file: file.path, facts: m });
      }
      for (const t of file.typedefs) this.typedefs.set(t.alias, t.target);
      for (const st of file.structs) {
        const dirs = this.structDirs.get(st.name) ?? new Set<string>();
        dirs.add(path.dirname(file.path));
        this.structDirs.set(st.name, dirs);
        if (this.structFields.has(st.name)) continue;
        this.structFields.set(st.name, new Map(st.fields.map((f) => [f.name, f.type])));
      }
    }
  }

  /** The definitions a call to `name` from `fromFile` reaches. */
  resolve(name: string, fromFile: string): FnDef[] {
    const own = this.statics.get(fromFile)?.get(name) ?? this.headerStatics.get(this.dir(fromFile))?.get(name);
    if (own) return own;
    const globals = this.globals.get(name);
    if (!globals || globals.length < 2) return globals ?? [];
    return this.globalsIn(name, globals).get(this.dir(fromFile)) ?? globals;
  }

  /**
   * Per directory, the definitions of a global name that several files define: a name
   * every driver defines for itself is defined in thousands of files across drivers/ and
   * called in each, so filtering the whole list per call grew with the square of the tree.
   */
  private readonly globalsByDir = new Map<string, Map<string, FnDef[]>>();
  private globalsIn(name: string, globals: readonly FnDef[]): Map<string, FnDef[]> {
    let byDir = this.globalsByDir.get(name);
    if (!byDir) {
      byDir = new Map<string, FnDef[]>();
      for (const d of globals) push(byDir, this.dir(d.file), d);
      this.globalsByDir.set(name, byDir);
    }
    return byDir;
  }

  /** `path.dirname`, remembered: resolution asks it for the same few files millions of times. */
  private readonly dirs = new Map<string, string>();
  private dir(file: string): string {
    let d = this.dirs.get(file);
    if (d === undefined) {
      d = path.dirname(file);
      this.dirs.set(file, d);
    }
    return d;
  }

  /** Whether some workspace file defines a struct of this name. */
  definesStruct(name: string): boolean {
    return this.structDirs.has(name);
  }

  /** Whether several directories define a struct of this name (each driver its own). */
  isPerDriverStruct(name: string): boolean {
    return (this.structDirs.get(name)?.size ?? 0) > 1;
  }

  /**
   * The definitions of workspace macro `name` as seen from `fromFile`: its own file's,
   * else the first defining file's; several when `#if` branches define it differently.
   */
  macroVariants(name: string, fromFile: string): MacroDef[] {
    const byFile = this.macros.get(name);
    if (!byFile) return [];
    return byFile.get(fromFile) ?? (byFile.values().next().value as MacroDef[]);
  }

  /** Struct name behind a type name, through typedefs. */
  structName(type: string): string {
    return this.typedefs.get(type) ?? type;
  }

  /** The struct type at the end of `root.f1.f2…`, where every struct on the way is defined. */
  chainType(root: string, fields: readonly string[]): string | undefined {
    let type: string | undefined = this.structName(root);
    for (const f of fields) {
      const next: string | undefined = type === undefined ? undefined : this.structFields.get(type)?.get(f);
      type = next === undefined ? undefined : this.structName(next);
    }
    return type;
  }

  /** Whether resolving `root.f1.f2…` stops at a struct no workspace file defines (rather than at a field a defined struct lacks). */
  chainLeavesWorkspace(root: string, fields: readonly string[]): boolean {
    let type = this.structName(root);
    for (const f of fields) {
      const defined = this.structFields.get(type);
      if (!defined) return !this.definesStruct(type);
      const next = defined.get(f);
      if (next === undefined) return false;
      type = this.structName(next);
    }
    return !this.definesStruct(type);
  }

  byName(name: string): FnDef[] {
    const out = [...(this.globals.get(name) ?? [])];
    for (const table of [this.statics, this.headerStatics]) for (const perFile of table.values()) out.push(...(perFile.get(name) ?? []));
    return out;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
