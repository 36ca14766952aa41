/**
 * FileFacts: everything later layers need to know about one C file, as a plain,
 * serialisable value (it is cached on disk and sent to worker threads).
 *
 * The syntax layer knows C and the kernel's C dialect, but nothing about which kernel
 * APIs matter: every call is recorded with its arguments, and the `kernel` and
 * `analysis` layers decide what a call means.
 */

/** Zero-based line and column, as tree-sitter and LSP count them. */
export interface Pos {
  line: number;
  col: number;
}

/** Whether a facts value is a `Pos` (the only objects in facts with exactly these two keys). */
export function isPos(value: object): value is Pos {
  return 'line' in value && 'col' in value && Object.keys(value).length === 2;
}

export interface Span {
  start: Pos;
  end: Pos;
}

/**
 * The preprocessor conditions a piece of code sits under, outermost first, each as the
 * condition text of its `#if`/`#ifdef`/`#elif`, negated with a leading `!` for `#else`
 * branches (e.g. `["CONFIG_SMP", "!CONFIG_PREEMPT_RT"]`). Empty when unconditional.
 */
export type Cfg = string[];

/**
 * What an expression denotes when it is used as a function-pointer value or as the
 * target of an indirect call. Casts, parentheses, `&` and `*` are stripped first, so
 * `(cyc_func_t)&fn` is `{ kind: 'name', name: 'fn' }`.
 */
export type ValueRef =
  /**
   * A bare identifier: a function or global variable, or a parameter (`param` is its
   * index) or local variable (`local`) of the function it appears in.
   */
  | { kind: 'name'; name: string; param?: number; local?: boolean }
  /**
   * `base->field` or `base.field`; `structType` when the base's declared type is known.
   * For a chained base (`be->hdlr.cyh_func`) whose root has a known type, `chain` names
   * the root's struct type and the fields in between, for the analysis to resolve
   * through struct definitions (`cyclic_be` . `hdlr` -> `cyc_handler_t`).
   */
  | { kind: 'field'; field: string; structType?: string; chain?: { root: string; fields: string[] }; base: string }
  /** `arr[i]` (the element of an array of function pointers or structs). */
  | { kind: 'index'; array: string }
  /** Anything else (a call result, arithmetic, a literal); `text` is for messages only. */
  | { kind: 'other'; text: string };

export interface Arg {
  /** Source text, whitespace-folded and truncated to keep facts small. */
  text: string;
  value: ValueRef;
}

/** A structured abstraction of a function body, in statement order. */
export type Op =
  | CallOp
  | { op: 'if'; at: Pos; cond: Cond; then: Op[]; else: Op[] }
  | { op: 'loop'; at: Pos; cond: Cond; body: Op[]; /** `do {} while` runs its body at least once */ doWhile: boolean }
  /**
   * `subject`: the switched-on expression when it is a bare identifier; `labels[i]`: the
   * text of case `i`'s `case` value, '' for `default:` and statements before the first
   * label (so a constant argument can tell which cases a call can run).
   */
  | { op: 'switch'; at: Pos; cases: Op[][]; hasDefault: boolean; subject?: string; labels: string[] }
  | { op: 'return'; at: Pos }
  | { op: 'break'; at: Pos }
  | { op: 'continue'; at: Pos }
  | { op: 'goto'; at: Pos; label: string }
  | { op: 'label'; at: Pos; label: string }
  | StoreOp;

export interface CallOp {
  op: 'call';
  at: Pos;
  /** The callee as written: a name for `f(x)`, a field/other for `ops->f(x)` or `(*fp)(x)`. */
  callee: ValueRef;
  args: Arg[];
}

/**
 * An assignment or initialisation whose value could be a function pointer or whose
 * target is a variable other CPUs may read (`done = 1`). `decl` marks `T x = v;`.
 */
export interface StoreOp {
  op: 'store';
  at: Pos;
  target: ValueRef;
  value: ValueRef;
  /** The assigned expression's text, for the simulator's shared-variable model. */
  valueText: string;
}

/**
 * A branch or loop condition. Calls inside the condition are emitted as ops before the
 * `if`/`loop` op; `atoms` lists the condition's top-level conjuncts or disjuncts so that
 * context predicates (`in_interrupt()`, `!irqs_disabled()`) can refine the state.
 */
export interface Cond {
  text: string;
  /** How `atoms` combine. A single atom is `and`. */
  join: 'and' | 'or';
  atoms: CondAtom[];
}

export interface CondAtom {
  negated: boolean;
  /** `f(...)` called bare in the condition: its name. */
  call?: string;
  /** A bare variable or field read (`!done`, `dev->ready`). */
  read?: string;
  text: string;
}

export interface FunctionFacts {
  name: string;
  /** The whole definition. */
  span: Span;
  /** The name token, for editor navigation. */
  nameSpan: Span;
  isStatic: boolean;
  cfg: Cfg;
  /** Return type text, e.g. `irqreturn_t`, `enum hrtimer_restart`. */
  returnType: string;
  /** Parameter names in order (empty string where unnamed). */
  params: string[];
  /** Number of ERROR or MISSING nodes inside the definition. */
  errors: number;
  body: Op[];
}

/** A call at file scope: `DECLARE_TASKLET(t, fn);`, `module_init(f);`, `DEFINE_TIMER(t, fn);`. */
export interface TopLevelCall {
  at: Pos;
  callee: string;
  args: Arg[];
  cfg: Cfg;
}

/** A function-like macro defined in the file whose body calls functions. */
export interface MacroFacts {
  name: string;
  at: Pos;
  params: string[];
  /** Calls in the body, in order; an argument that is exactly a macro parameter has `param` set. */
  calls: Array<{ callee: string; args: Array<{ text: string; param?: number }> }>;
  /** The `#if` branch the definition sits under, when any (a macro defined per branch has one definition each, calls or not). */
  cfg?: Cfg;
}

export interface ParseHealth {
  /** ERROR and MISSING nodes in the whole file. */
  errorNodes: number;
  /** Functions whose bodies contain at least one. */
  functionsWithErrors: number;
}

/** Why a file yielded no (or partial) facts; the rest of the run goes on. */
export interface FileProblem {
  kind: 'binary' | 'encoding' | 'too-large' | 'too-deep' | 'unterminated-comment' | 'parse-failed' | 'timeout' | 'read-failed';
  message: string;
}

export interface FileFacts {
  /** Facts format version; a cache entry with another version is rebuilt. */
  version: number;
  path: string;
  functions: FunctionFacts[];
  /** Stores at file scope: initialisers of globals, designated initialisers of ops structs. */
  stores: Array<StoreOp & { cfg: Cfg }>;
  topLevelCalls: TopLevelCall[];
  macros: MacroFacts[];
  /** Struct and union definitions (every named one): each field whose type is a named struct, union or typedef. */
  structs: Array<{ name: string; fields: Array<{ name: string; type: string }> }>;
  /** `typedef struct x {…} x_t;`: alias to struct name, so field refs through either name meet. */
  typedefs: Array<{ alias: string; target: string }>;
  health: ParseHealth;
  problems: FileProblem[];
}

export const FACTS_VERSION = 5;
