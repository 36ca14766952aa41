/**
 * Walks a tree-sitter C tree and produces FileFacts. Knows C, not the kernel's APIs:
 * every call is recorded with its arguments in evaluation order, and control flow is kept
 * as a small structured IR (see facts.ts) for the flow-sensitive analysis and the simulator.
 */
import type {
  Arg,
  Cfg,
  Cond,
  CondAtom,
  FileFacts,
  FileProblem,
  FunctionFacts,
  MacroFacts,
  Op,
  Pos,
  Span,
  StoreOp,
  TopLevelCall,
  ValueRef,
} from './facts';
import { FACTS_VERSION } from './facts';
import { CachedNode } from './cachedNode';
import { FunctionMemo } from './functionMemo';
import type { SyntaxNode } from './parser';

/** Beyond this nesting the walk stops descending: deeper code is counted, not analysed. */
export const MAX_DEPTH = 800;
const MAX_TEXT = 120;
const OPEN_PAREN = '('.charCodeAt(0);
const EQUALS = '='.charCodeAt(0);
const OPEN_BRACE = '{'.charCodeAt(0);

const KEYWORDS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', 'do', 'defined', '__builtin_expect']);

function pos(node: SyntaxNode): Pos {
  return { line: node.startPosition.row, col: node.startPosition.column };
}

/**
 * Node identity by position: web-tree-sitter hands out a new object for every access,
 * so `===` between two handles of one node is false there and true natively.
 */
function sameNode(a: SyntaxNode, b: SyntaxNode | null): boolean {
  return b !== null && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;
}

function span(node: SyntaxNode): Span {
  return { start: pos(node), end: { line: node.endPosition.row, col: node.endPosition.column } };
}

/**
 * Beyond this many children one node stops the walk: only making the node objects of ten
 * million `;` took minutes, and no source file comes near it.
 */
export const MAX_CHILDREN = 1_000_000;

/** Thrown on a node wider than MAX_CHILDREN; extractFromTree keeps what was done. */
class TooWide extends Error {
  constructor(readonly children: number) {
    super(`a syntax node has ${children} children`);
  }
}

function children(node: SyntaxNode): SyntaxNode[] {
  if (node.childCount > MAX_CHILDREN) throw new TooWide(node.childCount);
  return node.children.filter((c): c is SyntaxNode => c !== null);
}

/** Up to this many children, `namedChildren` (faster natively); beyond, `children` (linear). */
const WIDE = 256;

function namedChildren(node: SyntaxNode): SyntaxNode[] {
  const all = node.childCount <= WIDE ? node.namedChildren : children(node);
  return all.filter((c): c is SyntaxNode => c !== null && c.isNamed && c.type !== 'comment');
}

/** A preprocessor conditional or one of its `#elif`/`#else` branches. */
const PREPROC_BRANCH = /^preproc_(if|ifdef|elif|elifdef|else)$/;

/** Whether a conditional holds a `case` label in any branch (`#else` and `#elif` are nested in it, as are inner conditionals). */
function holdsCase(node: SyntaxNode): boolean {
  return namedChildren(node).some((k) => k.type === 'case_statement' || (PREPROC_BRANCH.test(k.type) && holdsCase(k)));
}

/** Normalises a declared type to the name field refs use: `struct foo *` -> `foo`. */
function typeName(typeNode: SyntaxNode | null, text: (n: SyntaxNode) => string): string | undefined {
  if (!typeNode) return undefined;
  if (typeNode.type === 'struct_specifier' || typeNode.type === 'union_specifier') {
    const name = typeNode.childForFieldName('name');
    return name ? text(name) : undefined;
  }
  if (typeNode.type === 'type_identifier') return text(typeNode);
  if (typeNode.type === 'type_descriptor') return typeName(typeNode.childForFieldName('type'), text);
  return undefined;
}

/** The identifier a declarator declares: through pointers, arrays, parentheses, init and function declarators. */
function declaratorName(node: SyntaxNode | null): SyntaxNode | undefined {
  let cur = node;
  for (let guard = 0; cur && guard < 64; guard++) {
    if (cur.type === 'identifier' || cur.type === 'field_identifier' || cur.type === 'type_identifier') return cur;
    const next: SyntaxNode | null = cur.childForFieldName('declarator');
    if (next) {
      cur = next;
      continue;
    }
    // parenthesized_declarator has no field: its first named child is the inner declarator.
    const inner = namedChildren(cur).find((c) => c.type.endsWith('declarator') || c.type === 'identifier');
    cur = inner ?? null;
  }
  return undefined;
}

function findFunctionDeclarator(node: SyntaxNode | null): SyntaxNode | undefined {
  let cur = node;
  for (let guard = 0; cur && guard < 64; guard++) {
    if (cur.type === 'function_declarator') return cur;
    cur = cur.childForFieldName('declarator') ?? namedChildren(cur).find((c) => c.type.endsWith('declarator')) ?? null;
  }
  return undefined;
}

/** Thrown by the walk when the file's time budget runs out; extractFromTree keeps what was done. */
class OutOfTime extends Error {}

/** The walk looks at the clock once per this many nested nodes. */
const CLOCK_EVERY = 1024;

class Extractor {
  readonly functions: FunctionFacts[] = [];
  readonly stores: Array<StoreOp & { cfg: Cfg }> = [];
  readonly topLevelCalls: TopLevelCall[] = [];
  private readonly macroDefs: MacroFacts[] = [];
  readonly typedefs: Array<{ alias: string; target: string }> = [];
  readonly structs: Array<{ name: string; fields: Array<{ name: string; type: string }> }> = [];
  /** Declared struct types of globals, and of the current function's params and locals. */
  private readonly globalTypes = new Map<string, string>();
  /** The declarations that made `globalTypes`, in order: part of a function's memo key. */
  private globalsSignature = '';
  private scope = new Map<string, string>();
  private params: string[] = [];
  /** Locals declared so far in the current function. */
  private locals = new Set<string>();
  private depth = 0;
  /** The body being walked has no ERROR or MISSING node: opFree need not ask each subtree. */
  private errorFreeBody = false;
  private steps = 0;
  tooDeep = false;

  constructor(
    private readonly src: string,
    private readonly cfgAt: (line: number) => Cfg,
    private readonly deadline: number,
    private readonly memo?: FunctionMemo,
  ) {}

  text = (node: SyntaxNode): string => this.src.slice(node.startIndex, node.endIndex);

  shortText(node: SyntaxNode): string {
    const raw = this.src.slice(node.startIndex, Math.min(node.endIndex, node.startIndex + MAX_TEXT * 4));
    const folded = raw.replace(/\s+/g, ' ').trim();
    return folded.length > MAX_TEXT ? folded.slice(0, MAX_TEXT - 1) + '…' : folded;
  }

  // ---- file scope -------------------------------------------------------------------

  topLevel(node: SyntaxNode): void {
    for (const child of namedChildren(node)) {
      this.tick();
      switch (child.type) {
        case 'function_definition':
          this.functionDefinition(child);
          break;
        case 'declaration':
          this.fileDeclaration(child);
          break;
        case 'type_definition':
          this.typeDefinition(child);
          break;
        case 'struct_specifier':
        case 'union_specifier':
          this.structDefinition(child, undefined);
          break;
        case 'expression_statement':
          this.topLevelStatement(child);
          break;
        case 'preproc_function_def':
          this.macroDefinition(child);
          break;
        case 'preproc_if':
        case 'preproc_ifdef':
        case 'preproc_else':
        case 'preproc_elif':
        case 'preproc_elifdef':
        case 'linkage_specification':
        case 'declaration_list':
        case 'ERROR':
          this.nested(() => this.topLevel(child));
          break;
        default:
          break;
      }
    }
  }

  private topLevelStatement(node: SyntaxNode): void {
    const call = namedChildren(node)[0];
    if (call?.type !== 'call_expression') return;
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'identifier') return;
    const argsNode = call.childForFieldName('arguments');
    const args = argsNode ? namedChildren(argsNode).map((a) => this.arg(a)) : [];
    this.topLevelCalls.push({ at: pos(call), callee: this.text(fn), args, cfg: this.cfgAt(call.startPosition.row) });
  }

  /**
   * Declaration-like macro invocations (`static DECLARE_TASKLET(t, fn);`) parse as odd
   * declarations; their text is unambiguous, so read them as calls.
   */
  private macroDeclaration(node: SyntaxNode): boolean {
    const text = this.text(node);
    const m = /^\s*(?:static\s+)?([A-Z_][A-Z0-9_]*)\s*\(([\s\S]*)\)\s*;?\s*$/.exec(text);
    if (!m) return false;
    const args = splitArgs(m[2]).map((a): Arg => {
      const trimmed = a.trim();
      const ident = /^\s*&?\s*\(?\s*([A-Za-z_]\w*)\s*\)?\s*$/.exec(a);
      return { text: trimmed, value: ident ? { kind: 'name', name: ident[1] } : { kind: 'other', text: trimmed } };
    });
    this.topLevelCalls.push({ at: pos(node), callee: m[1], args, cfg: this.cfgAt(node.startPosition.row) });
    return true;
  }

  /** Records a struct (named, or by its typedef), its fields of struct or typedef type, and any struct defined inside it. */
  private structDefinition(node: SyntaxNode | null, alias: string | undefined): void {
    if (!node || (node.type !== 'struct_specifier' && node.type !== 'union_specifier')) return;
    const body = node.childForFieldName('body');
    if (!body) return;
    this.nested(() => {
      const nameNode = node.childForFieldName('name');
      const name = nameNode ? this.text(nameNode) : alias;
      const fields: Array<{ name: string; type: string }> = [];
      for (const decl of namedChildren(body)) {
        if (decl.type !== 'field_declaration') continue;
        const typeNode = decl.childForFieldName('type');
        this.structDefinition(typeNode, undefined);
        const type = typeName(typeNode, this.text);
        if (!type) continue;
        for (const d of namedChildren(decl)) {
          if (sameNode(d, typeNode)) continue;
          const fieldName = declaratorName(d);
          if (fieldName) fields.push({ name: this.text(fieldName), type });
        }
      }
      // Recorded even without such fields: the analysis asks which structs the workspace defines.
      if (name) this.structs.push({ name, fields });
    });
  }

  private fileDeclaration(node: SyntaxNode): void {
    const typeNode = node.childForFieldName('type');
    this.structDefinition(typeNode, undefined);
    const declarators = namedChildren(node).filter((c) => !sameNode(c, typeNode) && c.type !== 'storage_class_specifier' && c.type !== 'type_qualifier' && c.type !== 'attribute_specifier');
    if (node.hasError || declarators.some((d) => d.type === 'parenthesized_declarator' || d.type === 'function_declarator')) {
      if (this.macroDeclaration(node)) return;
    }
    const structType = typeName(typeNode, this.text);
    for (const d of declarators) {
      const nameNode = declaratorName(d);
      if (!nameNode) continue;
      const name = this.text(nameNode);
      if (structType) {
        this.globalTypes.set(name, structType);
        this.globalsSignature += `${name}:${structType};`;
      }
      if (d.type !== 'init_declarator') continue;
      const value = d.childForFieldName('value');
      if (!value) continue;
      const cfg = this.cfgAt(node.startPosition.row);
      const out: Op[] = [];
      if (value.type === 'initializer_list') {
        this.initializerStores(value, structType, name, out);
      } else {
        this.storeIfUseful(pos(d), { kind: 'name', name }, value, out);
      }
      for (const op of out) if (op.op === 'store') this.stores.push({ ...op, cfg });
    }
  }

  private typeDefinition(node: SyntaxNode): void {
    const typeNode = node.childForFieldName('type');
    const aliases = namedChildren(node).filter((d) => d.type === 'type_identifier' || d.type.endsWith('declarator'));
    const firstAlias = aliases.length > 0 ? declaratorName(aliases[0]) : undefined;
    // `typedef struct { … } foo_t;` has no struct name: its fields are known by the alias.
    this.structDefinition(typeNode, firstAlias ? this.text(firstAlias) : undefined);
    const target = typeName(typeNode, this.text);
    if (!target) return;
    for (const d of namedChildren(node)) {
      if (d.type !== 'type_identifier' && !d.type.endsWith('declarator')) continue;
      const alias = declaratorName(d);
      if (alias && this.text(alias) !== target) this.typedefs.push({ alias: this.text(alias), target });
    }
  }

  private macroDefinition(node: SyntaxNode): void {
    const nameNode = node.childForFieldName('name');
    const paramsNode = node.childForFieldName('parameters');
    const valueNode = node.childForFieldName('value');
    if (!nameNode || !valueNode) return;
    const params = paramsNode ? namedChildren(paramsNode).map((p) => this.text(p)) : [];
    const body = this.text(valueNode);
    const calls: MacroFacts['calls'] = [];
    const callRe = /\b([A-Za-z_]\w*)\s*\(/g;
    for (let m = callRe.exec(body); m; m = callRe.exec(body)) {
      if (KEYWORDS.has(m[1]) || params.includes(m[1])) continue;
      const open = m.index + m[0].length - 1;
      const close = matchingParen(body, open);
      if (close < 0) continue;
      const args = splitArgs(body.slice(open + 1, close)).map((text) => {
        const t = text.trim();
        const stripped = t.replace(/^\(+|\)+$/g, '').replace(/^&\s*/, '').trim();
        const param = params.indexOf(stripped);
        return param >= 0 ? { text: t, param } : { text: t };
      });
      calls.push({ callee: m[1], args });
    }
    const cfg = this.cfgAt(node.startPosition.row);
    this.macroDefs.push({ name: this.text(nameNode), at: pos(nameNode), params, calls, ...(cfg.length > 0 ? { cfg } : {}) });
  }

  /**
   * The macros worth keeping: those whose body calls functions, and with them every other
   * definition of the same name under an `#if` (a variant that calls nothing is a
   * configuration in which the call does not happen).
   */
  get macros(): MacroFacts[] {
    const calling = new Set(this.macroDefs.filter((m) => m.calls.length > 0).map((m) => m.name));
    return this.macroDefs.filter((m) => m.calls.length > 0 || (m.cfg !== undefined && calling.has(m.name) && this.macroDefs.some((o) => o !== m && o.name === m.name)));
  }

  // ---- functions --------------------------------------------------------------------

  private functionDefinition(node: SyntaxNode): void {
    if (!this.memo) return this.extractFunction(node);
    const key = FunctionMemo.key(this.text(node), node.startPosition.column, this.cfgAt(node.startPosition.row), this.globalsSignature);
    const kept = this.memo.take(key, node.startPosition.row);
    if (kept) {
      this.functions.push(kept.facts);
      this.tooDeep ||= kept.tooDeep;
      return;
    }
    const before = { functions: this.functions.length, tooDeep: this.tooDeep };
    this.tooDeep = false;
    this.extractFunction(node);
    const facts = this.functions.length > before.functions ? this.functions[this.functions.length - 1] : undefined;
    if (facts) this.memo.keep(key, facts, this.tooDeep);
    this.tooDeep ||= before.tooDeep;
  }

  private extractFunction(node: SyntaxNode): void {
    const declarator = findFunctionDeclarator(node.childForFieldName('declarator'));
    const nameNode = declarator ? declaratorName(declarator.childForFieldName('declarator')) : undefined;
    const body = node.childForFieldName('body');
    if (!declarator || !nameNode || !body) return;
    this.scope = new Map();
    this.params = [];
    this.locals = new Set();
    const paramList = declarator.childForFieldName('parameters');
    for (const p of paramList ? namedChildren(paramList) : []) {
      if (p.type !== 'parameter_declaration') continue;
      const pn = declaratorName(p.childForFieldName('declarator'));
      const name = pn ? this.text(pn) : '';
      this.params.push(name);
      const t = typeName(p.childForFieldName('type'), this.text);
      if (name && t) this.scope.set(name, t);
    }
    const typeNode = node.childForFieldName('type');
    const isStatic = children(node).some((c) => c.type === 'storage_class_specifier' && this.text(c) === 'static');
    const ops: Op[] = [];
    this.depth = 0;
    this.errorFreeBody = !body.hasError;
    this.statement(body, ops);
    this.errorFreeBody = false;
    this.functions.push({
      name: this.text(nameNode),
      span: span(node),
      nameSpan: span(nameNode),
      isStatic,
      cfg: this.cfgAt(node.startPosition.row),
      returnType: typeNode ? this.text(typeNode).replace(/\s+/g, ' ') : 'int',
      params: this.params,
      errors: node.hasError ? countErrors(node) : 0,
      body: ops,
    });
    // File-scope code after this function must not see its parameters and locals.
    this.params = [];
    this.locals = new Set();
    this.scope = new Map();
  }

  /** Runs `walk` one level deeper, or not at all past MAX_DEPTH (recursion must not blow the stack). */
  /** Counts a step of the walk, and stops it once the file's time is up. */
  private tick(): void {
    if (++this.steps % CLOCK_EVERY === 0 && performance.now() > this.deadline) throw new OutOfTime();
  }

  private nested(walk: () => void): void {
    this.tick();
    if (this.depth >= MAX_DEPTH) {
      this.tooDeep = true;
      return;
    }
    this.depth++;
    try {
      walk();
    } finally {
      this.depth--;
    }
  }

  private statements(node: SyntaxNode, out: Op[]): void {
    for (const c of namedChildren(node)) this.statement(c, out);
  }

  private block(node: SyntaxNode | null): Op[] {
    const out: Op[] = [];
    if (node) this.statement(node, out);
    return out;
  }

  statement(node: SyntaxNode, out: Op[]): void {
    this.nested(() => this.statementInner(node, out));
  }

  private statementInner(node: SyntaxNode, out: Op[]): void {
    switch (node.type) {
      case 'compound_statement':
      case 'ERROR':
        this.statements(node, out);
        return;
      case 'expression_statement':
        if (!this.opFree(node)) for (const c of namedChildren(node)) this.expression(c, out);
        return;
      case 'declaration':
        this.localDeclaration(node, out);
        return;
      case 'if_statement': {
        const cond = node.childForFieldName('condition');
        if (cond) this.expression(cond, out);
        const alt = node.childForFieldName('alternative');
        const elseBody = alt ? (alt.type === 'else_clause' ? namedChildren(alt)[0] ?? null : alt) : null;
        out.push({ op: 'if', at: pos(node), cond: this.condition(cond), then: this.block(node.childForFieldName('consequence')), else: this.block(elseBody) });
        return;
      }
      case 'while_statement': {
        const cond = node.childForFieldName('condition');
        if (cond) this.expression(cond, out);
        out.push({ op: 'loop', at: pos(node), cond: this.condition(cond), body: this.block(node.childForFieldName('body')), doWhile: false });
        return;
      }
      case 'do_statement': {
        const cond = node.childForFieldName('condition');
        const body = this.block(node.childForFieldName('body'));
        if (cond) this.expression(cond, body);
        out.push({ op: 'loop', at: pos(node), cond: this.condition(cond), body, doWhile: true });
        return;
      }
      case 'for_statement': {
        const init = node.childForFieldName('initializer');
        if (init) this.statementOrExpression(init, out);
        const cond = node.childForFieldName('condition');
        if (cond) this.expression(cond, out);
        const body = this.block(node.childForFieldName('body'));
        const update = node.childForFieldName('update');
        if (update) this.expression(update, body);
        out.push({ op: 'loop', at: pos(node), cond: this.condition(cond), body, doWhile: false });
        return;
      }
      case 'switch_statement': {
        const cond = node.childForFieldName('condition');
        if (cond) this.expression(cond, out);
        const body = node.childForFieldName('body');
        const cases: Op[][] = [];
        const labels: string[] = [];
        let hasDefault = false;
        for (const c of body ? this.switchEntries(body) : []) {
          if (c.type !== 'case_statement') {
            // Statements before the first label never run, except labels jumped to: keep them.
            cases.push(this.block(c));
            labels.push('');
            continue;
          }
          const value = c.childForFieldName('value');
          if (!value) hasDefault = true;
          const ops: Op[] = [];
          for (const s of namedChildren(c)) if (!sameNode(s, value)) this.statement(s, ops);
          cases.push(ops);
          labels.push(value ? this.shortText(value) : '');
        }
        const subject = cond ? /^\(\s*([A-Za-z_]\w*)\s*\)$/.exec(this.text(cond))?.[1] : undefined;
        out.push({ op: 'switch', at: pos(node), cases, hasDefault, ...(subject ? { subject } : {}), labels });
        return;
      }
      case 'return_statement':
        if (!this.opFree(node)) for (const c of namedChildren(node)) this.expression(c, out);
        out.push({ op: 'return', at: pos(node) });
        return;
      case 'break_statement':
        out.push({ op: 'break', at: pos(node) });
        return;
      case 'continue_statement':
        out.push({ op: 'continue', at: pos(node) });
        return;
      case 'goto_statement': {
        const label = node.childForFieldName('label');
        out.push({ op: 'goto', at: pos(node), label: label ? this.text(label) : '' });
        return;
      }
      case 'labeled_statement': {
        const label = node.childForFieldName('label');
        out.push({ op: 'label', at: pos(node), label: label ? this.text(label) : '' });
        for (const c of namedChildren(node)) if (!sameNode(c, label)) this.statement(c, out);
        return;
      }
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef': {
        // Both branches of a conditional inside a body are analysed: a nondeterministic `if`.
        const condNode = node.childForFieldName('condition') ?? node.childForFieldName('name');
        const alt = node.childForFieldName('alternative');
        const then: Op[] = [];
        for (const c of namedChildren(node)) if (!sameNode(c, condNode) && !sameNode(c, alt)) this.statement(c, then);
        const text = condNode ? this.shortText(condNode) : '';
        const otherwise = this.block(alt);
        if (then.length === 0 && otherwise.length === 0) return;
        out.push({ op: 'if', at: pos(node), cond: { text: `#if ${text}`, join: 'and', atoms: [] }, then, else: otherwise });
        return;
      }
      case 'preproc_else':
        this.statements(node, out);
        return;
      case 'preproc_call':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_include':
      case 'comment':
      case 'type_definition':
        return;
      default:
        this.expression(node, out);
    }
  }

  private statementOrExpression(node: SyntaxNode, out: Op[]): void {
    if (node.type === 'declaration') this.localDeclaration(node, out);
    else this.expression(node, out);
  }

  private localDeclaration(node: SyntaxNode, out: Op[]): void {
    const typeNode = node.childForFieldName('type');
    const structType = typeName(typeNode, this.text);
    for (const d of namedChildren(node)) {
      if (sameNode(d, typeNode)) continue;
      const nameNode = declaratorName(d);
      if (!nameNode) continue;
      const name = this.text(nameNode);
      this.locals.add(name);
      if (structType) this.scope.set(name, structType);
      else this.scope.delete(name);
      if (d.type !== 'init_declarator') continue;
      const value = d.childForFieldName('value');
      if (!value) continue;
      if (value.type === 'initializer_list') this.initializerStores(value, structType, name, out);
      else {
        this.expression(value, out);
        this.storeIfUseful(pos(d), { kind: 'name', name, local: true }, value, out);
      }
    }
  }

  /** `{ .f = fn, .ops = { .g = h }, [0] = { .f = x } }`: one store per function-valued field. */
  private initializerStores(list: SyntaxNode, structType: string | undefined, base: string, out: Op[]): void {
    this.nested(() => {
      for (const item of namedChildren(list)) {
        if (item.type === 'initializer_pair') {
          const designators = namedChildren(item).filter((c) => c.type === 'field_designator' || c.type === 'subscript_designator');
          const value = item.childForFieldName('value');
          const fieldDesignators = designators.filter((d) => d.type === 'field_designator');
          const last = fieldDesignators[fieldDesignators.length - 1];
          if (!value) continue;
          if (!last) {
            // `[IDX] = { … }`: an element of an array of structs.
            if (value.type === 'initializer_list') this.initializerStores(value, structType, `${base}[]`, out);
            continue;
          }
          const field = this.text(namedChildren(last)[0] ?? last);
          // Only a single designator names a field of this struct; `.a.b = x` is a nested one.
          const ownType = fieldDesignators.length === 1 ? structType : undefined;
          if (value.type === 'initializer_list') {
            this.initializerStores(value, undefined, `${base}.${field}`, out);
          } else {
            this.expression(value, out);
            this.storeIfUseful(pos(item), { kind: 'field', field, base, ...(ownType ? { structType: ownType } : {}) }, value, out);
          }
        } else if (item.type === 'initializer_list') {
          this.initializerStores(item, structType, `${base}[]`, out);
        } else {
          this.expression(item, out);
        }
      }
    });
  }

  /**
   * A switch body's statements, with `case`s inside `#ifdef` blocks lifted out (both
   * branches, as elsewhere in a body) so that each keeps its label.
   */
  private switchEntries(node: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (const c of namedChildren(node)) {
      if (PREPROC_BRANCH.test(c.type) && holdsCase(c)) {
        const cond = c.childForFieldName('condition') ?? c.childForFieldName('name');
        for (const k of this.switchEntries(c)) if (!sameNode(k, cond)) out.push(k);
      } else out.push(c);
    }
    return out;
  }

  // ---- expressions ------------------------------------------------------------------

  expression(node: SyntaxNode, out: Op[]): void {
    this.nested(() => this.expressionInner(node, out));
  }

  private expressionInner(node: SyntaxNode, out: Op[]): void {
    switch (node.type) {
      case 'call_expression': {
        const fn = node.childForFieldName('function');
        const argsNode = node.childForFieldName('arguments');
        const argNodes = argsNode ? namedChildren(argsNode) : [];
        for (const a of argNodes) this.expression(a, out);
        if (fn && fn.type !== 'identifier') this.expression(fn, out);
        out.push({ op: 'call', at: pos(node), callee: fn ? this.valueRef(fn) : { kind: 'other', text: '' }, args: argNodes.map((a) => this.arg(a)) });
        return;
      }
      case 'assignment_expression': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (right) this.expression(right, out);
        if (left) this.expression(left, out);
        const operator = node.childForFieldName('operator');
        const isPlain = operator ? this.text(operator) === '=' : children(node).some((c) => c.type === '=');
        if (left && right && isPlain) this.storeIfUseful(pos(node), this.valueRef(left), right, out);
        else if (left && right) this.storeIfUseful(pos(node), this.valueRef(left), node, out);
        return;
      }
      case 'update_expression': {
        const arg = node.childForFieldName('argument');
        if (arg) this.storeIfUseful(pos(node), this.valueRef(arg), node, out);
        return;
      }
      case 'conditional_expression': {
        const cond = node.childForFieldName('condition');
        if (cond) this.expression(cond, out);
        const then = this.expressionBlock(node.childForFieldName('consequence'));
        const otherwise = this.expressionBlock(node.childForFieldName('alternative'));
        if (then.length > 0 || otherwise.length > 0) out.push({ op: 'if', at: pos(node), cond: this.condition(cond), then, else: otherwise });
        return;
      }
      case 'compound_statement':
        this.statements(node, out);
        return;
      case 'sizeof_expression':
      case 'alignof_expression':
      case 'offsetof_expression':
      case 'gnu_asm_expression':
      case 'string_literal':
      case 'concatenated_string':
      case 'number_literal':
      case 'char_literal':
      case 'identifier':
      case 'field_identifier':
      case 'comment':
        return;
      case 'initializer_list':
        this.initializerStores(node, undefined, '(compound literal)', out);
        return;
      default:
        if (this.opFree(node)) return;
        for (const c of namedChildren(node)) this.expression(c, out);
    }
  }

  /**
   * Whether an expression (or an expression or return statement) cannot yield ops, told
   * from its text instead of visiting it: a call needs `(`, a store `=`, a compound literal
   * or statement expression `(` and `{` (whose statements may `break` or `return`), unless
   * error recovery made the token up (a MISSING node, so `hasError`). The parentheses of a
   * `(x)` itself are none of these. Each nesting level of such an expression adds an
   * operator character, so one shorter than the depth left cannot reach MAX_DEPTH:
   * skipping it never hides a too-deep subtree (and the scan stays short).
   */
  private opFree(node: SyntaxNode): boolean {
    const { startIndex: start, endIndex: end } = node;
    if (2 * (end - start) + this.depth >= MAX_DEPTH) return false;
    const inner = node.type === 'parenthesized_expression' ? 1 : 0;
    for (let i = start + inner; i < end - inner; i++) {
      const c = this.src.charCodeAt(i);
      if (c === OPEN_PAREN || c === EQUALS || c === OPEN_BRACE) return false;
    }
    return this.errorFreeBody || !node.hasError;
  }

  private expressionBlock(node: SyntaxNode | null): Op[] {
    const out: Op[] = [];
    if (node) this.expression(node, out);
    return out;
  }

  private arg(node: SyntaxNode): Arg {
    return { text: this.shortText(node), value: this.valueRef(node) };
  }

  /**
   * Stores that can carry a function pointer, publish a flag other CPUs spin on, or
   * change a local variable or parameter (which ends what a test of it told the flow).
   */
  private storeIfUseful(at: Pos, target: ValueRef, valueNode: SyntaxNode, out: Op[]): void {
    const value = this.valueRef(valueNode);
    const literal = /^(number_literal|true|false|null|char_literal)$/.test(valueNode.type);
    const ownVariable = target.kind === 'name' && (target.local === true || target.param !== undefined);
    if (value.kind === 'other' && !literal && !ownVariable) return;
    if (target.kind === 'other') return;
    out.push({ op: 'store', at, target, value, valueText: this.shortText(valueNode) });
  }

  /** Strips casts, parentheses, `&` and `*`, then names what is left. */
  valueRef(node: SyntaxNode): ValueRef {
    let cur = node;
    for (let guard = 0; guard < 64; guard++) {
      if (cur.type === 'parenthesized_expression' || cur.type === 'pointer_expression') {
        const inner = cur.type === 'pointer_expression' ? cur.childForFieldName('argument') : namedChildren(cur)[0];
        if (!inner || inner.type === 'compound_statement') break;
        cur = inner;
      } else if (cur.type === 'cast_expression') {
        const inner = cur.childForFieldName('value');
        if (!inner) break;
        cur = inner;
      } else {
        break;
      }
    }
    switch (cur.type) {
      case 'identifier': {
        const name = this.text(cur);
        const param = this.params.indexOf(name);
        if (param >= 0) return { kind: 'name', name, param };
        return this.locals.has(name) ? { kind: 'name', name, local: true } : { kind: 'name', name };
      }
      case 'field_expression': {
        const base = cur.childForFieldName('argument');
        const field = cur.childForFieldName('field');
        if (!base || !field) break;
        const structType = this.typeOf(base);
        const chain = structType ? undefined : this.chainOf(base);
        return { kind: 'field', field: this.text(field), base: this.shortText(base), ...(structType ? { structType } : {}), ...(chain ? { chain } : {}) };
      }
      case 'subscript_expression': {
        const array = cur.childForFieldName('argument');
        if (array) return { kind: 'index', array: this.shortText(array) };
        break;
      }
      default:
        break;
    }
    return { kind: 'other', text: this.shortText(node) };
  }

  /** `a->b.c` as the root's declared type and the fields after it (`x[i]` counts as `x`). */
  private chainOf(node: SyntaxNode): { root: string; fields: string[] } | undefined {
    const fields: string[] = [];
    let cur = node;
    for (let guard = 0; guard < 16; guard++) {
      if (cur.type === 'field_expression') {
        const field = cur.childForFieldName('field');
        const arg = cur.childForFieldName('argument');
        if (!field || !arg) return undefined;
        fields.unshift(this.text(field));
        cur = arg;
      } else if (cur.type === 'subscript_expression' || cur.type === 'parenthesized_expression' || cur.type === 'pointer_expression') {
        const inner = cur.type === 'subscript_expression' || cur.type === 'pointer_expression' ? cur.childForFieldName('argument') : namedChildren(cur)[0];
        if (!inner) return undefined;
        cur = inner;
      } else {
        const root = this.typeOf(cur);
        return root && fields.length > 0 ? { root, fields } : undefined;
      }
    }
    return undefined;
  }

  /** The struct type of an expression, where its declaration or a cast says it. */
  private typeOf(node: SyntaxNode): string | undefined {
    let cur = node;
    for (let guard = 0; guard < 16; guard++) {
      if (cur.type === 'parenthesized_expression' || cur.type === 'pointer_expression') {
        const inner = cur.type === 'pointer_expression' ? cur.childForFieldName('argument') : namedChildren(cur)[0];
        if (!inner) return undefined;
        cur = inner;
      } else if (cur.type === 'cast_expression') {
        return typeName(cur.childForFieldName('type'), this.text);
      } else if (cur.type === 'identifier') {
        const name = this.text(cur);
        return this.locals.has(name) || this.params.includes(name) ? this.scope.get(name) : this.globalTypes.get(name);
      } else {
        return undefined;
      }
    }
    return undefined;
  }

  condition(node: SyntaxNode | null): Cond {
    if (!node) return { text: '', join: 'and', atoms: [] };
    let cur = node;
    while (cur.type === 'parenthesized_expression' && namedChildren(cur).length === 1) cur = namedChildren(cur)[0];
    const text = this.shortText(cur);
    const op = cur.type === 'binary_expression' ? this.operatorOf(cur) : undefined;
    if (op === '&&' || op === '||') {
      const atoms: CondAtom[] = [];
      this.flatten(cur, op, atoms);
      return { text, join: op === '&&' ? 'and' : 'or', atoms };
    }
    return { text, join: 'and', atoms: [this.atom(cur)] };
  }

  private operatorOf(node: SyntaxNode): string | undefined {
    const op = node.childForFieldName('operator');
    return op ? this.text(op) : undefined;
  }

  private flatten(node: SyntaxNode, op: string, atoms: CondAtom[]): void {
    let cur = node;
    while (cur.type === 'parenthesized_expression' && namedChildren(cur).length === 1) cur = namedChildren(cur)[0];
    if (cur.type === 'binary_expression' && this.operatorOf(cur) === op && atoms.length < 32) {
      const l = cur.childForFieldName('left');
      const r = cur.childForFieldName('right');
      if (l) this.flatten(l, op, atoms);
      if (r) this.flatten(r, op, atoms);
      return;
    }
    atoms.push(this.atom(cur));
  }

  private atom(node: SyntaxNode): CondAtom {
    let cur = node;
    let negated = false;
    for (let guard = 0; guard < 16; guard++) {
      if (cur.type === 'parenthesized_expression' && namedChildren(cur).length === 1) cur = namedChildren(cur)[0];
      else if (cur.type === 'unary_expression' && this.operatorOf(cur) === '!') {
        const arg = cur.childForFieldName('argument');
        if (!arg) break;
        negated = !negated;
        cur = arg;
      } else break;
    }
    const atom: CondAtom = { negated, text: this.shortText(node) };
    if (cur.type === 'call_expression') {
      const fn = cur.childForFieldName('function');
      if (fn?.type === 'identifier') atom.call = this.text(fn);
      const first = namedChildren(cur.childForFieldName('arguments') ?? cur)[0];
      if (first) {
        const v = this.valueRef(first);
        if (v.kind === 'name') atom.read = v.name;
        else if (v.kind === 'field') atom.read = `${v.base}.${v.field}`;
      }
    } else {
      const v = this.valueRef(cur);
      if (v.kind === 'name') atom.read = v.name;
      else if (v.kind === 'field') atom.read = `${v.base}.${v.field}`;
    }
    return atom;
  }
}

/** ERROR and MISSING nodes under `node`, descending only where tree-sitter says there are some. */
export function countErrors(node: SyntaxNode): number {
  let count = 0;
  const stack: SyntaxNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop() as SyntaxNode;
    if (n.type === 'ERROR' || n.isMissing) count++;
    if (!n.hasError) continue;
    for (const c of children(n)) if (c.hasError || c.isMissing) stack.push(c);
  }
  return count;
}

function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Splits a macro argument list at top-level commas. */
function splitArgs(inner: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  if (inner.trim() !== '') out.push(inner.slice(start));
  return out;
}

/**
 * The facts of one tree. With a `memo`, functions whose text did not change since its last
 * round are copied from it, not re-extracted. Past `deadline` (a `performance.now()` time)
 * the walk stops: the functions and stores completed so far are kept, with a `timeout` problem.
 */
export function extractFromTree(root: SyntaxNode, text: string, path: string, cfgAt: (line: number) => Cfg, memo?: FunctionMemo, deadline = Infinity): FileFacts {
  const x = new Extractor(text, cfgAt, deadline, memo);
  const problems: FileProblem[] = [];
  const top = new CachedNode(root);
  try {
    x.topLevel(top);
  } catch (err) {
    if (err instanceof OutOfTime) {
      problems.push({ kind: 'timeout', message: `fact extraction ran out of time after ${x.functions.length} functions; the rest of the file is not analysed` });
    } else if (err instanceof TooWide) {
      const message = `a syntax node has ${err.children} children (over ${MAX_CHILDREN}); the rest of the file is not analysed`;
      problems.push({ kind: 'too-large', message });
    } else throw err;
  }
  memo?.endRound();
  if (x.tooDeep) problems.push({ kind: 'too-deep', message: `nesting deeper than ${MAX_DEPTH} levels; code below that depth is not analysed` });
  const errorNodes = top.hasError ? countErrors(top) : 0;
  return {
    version: FACTS_VERSION,
    path,
    functions: x.functions,
    stores: x.stores,
    topLevelCalls: x.topLevelCalls,
    macros: x.macros,
    structs: x.structs,
    typedefs: x.typedefs,
    health: { errorNodes, functionsWithErrors: x.functions.filter((f) => f.errors > 0).length },
    problems,
  };
}
