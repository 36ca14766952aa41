/**
 * A syntax node that asks the parser for each of its scalar properties and field children
 * at most once. Every property of a tree-sitter node crosses into the parser (wasm memory
 * through web-tree-sitter, C++ natively), and a field child is a new node object each time,
 * so the extractor's repeated `type`, `endIndex` and `childForFieldName` on one node cost a
 * crossing each; through this wrapper they cost one per node, then plain JS reads.
 * Children lists are not kept: that would keep every visited node alive until the file is
 * done, and the garbage collector then cost more than the crossings saved (measured).
 * See BENCHMARKS.md, "Fact extraction with fewer crossings".
 */
import type { Point, SyntaxNode } from './parser';

export class CachedNode implements SyntaxNode {
  private typeValue: string | undefined;
  private endIndexValue = -1;
  private childCountValue = -1;
  /** Field children asked for so far, as name, node pairs: a node is asked for one to three. */
  private fields: Array<string | CachedNode | null> | undefined;
  readonly startIndex: number;
  readonly startPosition: Point;

  /** `named`: already known (a member of `namedChildren`), so not asked again. */
  constructor(
    private readonly raw: SyntaxNode,
    private isNamedValue?: boolean,
  ) {
    this.startIndex = raw.startIndex;
    this.startPosition = raw.startPosition;
  }

  get type(): string {
    return (this.typeValue ??= this.raw.type);
  }

  get endIndex(): number {
    if (this.endIndexValue < 0) this.endIndexValue = this.raw.endIndex;
    return this.endIndexValue;
  }

  // Asked once per node at most: not worth a slot.
  get endPosition(): Point {
    return this.raw.endPosition;
  }

  get hasError(): boolean {
    return this.raw.hasError;
  }

  get isMissing(): boolean {
    return this.raw.isMissing;
  }

  get isNamed(): boolean {
    return (this.isNamedValue ??= this.raw.isNamed);
  }

  get childCount(): number {
    if (this.childCountValue < 0) this.childCountValue = this.raw.childCount;
    return this.childCountValue;
  }

  get children(): CachedNode[] {
    return wrapAll(this.raw.children, undefined);
  }

  get namedChildren(): CachedNode[] {
    return wrapAll(this.raw.namedChildren, true);
  }

  childForFieldName(name: string): CachedNode | null {
    const fields = (this.fields ??= []);
    for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1] as CachedNode | null;
    const raw = this.raw.childForFieldName(name);
    const child = raw ? new CachedNode(raw) : null;
    fields.push(name, child);
    return child;
  }
}

function wrapAll(raw: ReadonlyArray<SyntaxNode | null>, named: true | undefined): CachedNode[] {
  const out: CachedNode[] = [];
  for (const c of raw) if (c !== null) out.push(new CachedNode(c, named));
  return out;
}
