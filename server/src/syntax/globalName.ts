import type { ValueRef } from './facts';

/**
 * The name a value refers to when it can only be file- or workspace-level (a function or
 * a global), not a parameter or local of the function it appears in; otherwise undefined.
 */
export function globalName(value: ValueRef): string | undefined {
  return value.kind === 'name' && value.param === undefined && !value.local ? value.name : undefined;
}
