export * from './analyze';
export * from './findings';
export * from './workspace';
export type { Entry } from './entryPoints';
export type { FlowState, EntryState } from './flow';
export type { FnDef } from './symbols';
export type { Propagation } from './propagate';
export { reanalyze, reanalyzeUnlessStale, reusePlan, type Reanalysis, type ReusePlan } from './incremental';
