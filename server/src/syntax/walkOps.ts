import type { Op } from './facts';

/** Visits every op of a body, nested ones included, in source order. */
export function forEachOp(ops: readonly Op[], visit: (op: Op) => void): void {
  for (const op of ops) {
    visit(op);
    switch (op.op) {
      case 'if':
        forEachOp(op.then, visit);
        forEachOp(op.else, visit);
        break;
      case 'loop':
        forEachOp(op.body, visit);
        break;
      case 'switch':
        for (const c of op.cases) forEachOp(c, visit);
        break;
      default:
        break;
    }
  }
}
