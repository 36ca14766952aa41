/**
 * The kernel layer: the API model (kernelApi.json) merged with the workspace's
 * configuration, as lookup maps. No analysis logic lives here.
 */
import apiData from './kernelApi.json';
import type { IrqlensConfig } from './config';
import type {
  AllowedCall,
  ChainCall,
  ChainRegistration,
  ContextChange,
  FieldRegistration,
  ForbiddenCall,
  KernelModel,
  Predicate,
  Registration,
  RuleId,
} from './model';
import { RULE_IDS } from './model';

export * from './model';
export * from './config';

export const BUILTIN_MODEL: KernelModel = apiData as KernelModel;

function byName<T extends { name: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((i) => [i.name, i]));
}

export class KernelIndex {
  private readonly changes: Map<string, ContextChange>;
  private readonly forbiddenCalls = new Map<string, ForbiddenCall[]>();
  private readonly allowedCalls: Map<string, AllowedCall>;
  private readonly registrations: Map<string, Registration>;
  private readonly fields = new Map<string, FieldRegistration[]>();
  private readonly predicates: Map<string, Predicate>;
  private readonly chainCalls: Map<string, ChainCall>;
  private readonly chainRegistrations: Map<string, ChainRegistration>;
  private readonly lastReferenceTests: ReadonlySet<string>;
  /** Workspace functions that behave like a kernel API, from the config. */
  private readonly wrappers: Map<string, string>;
  readonly enabledRules: ReadonlySet<RuleId>;

  constructor(readonly model: KernelModel, readonly config: IrqlensConfig) {
    this.changes = byName([...model.contextChanges, ...config.contextChanges]);
    for (const f of [...model.forbidden, ...config.forbidden]) {
      const list = this.forbiddenCalls.get(f.name) ?? [];
      list.push(f);
      this.forbiddenCalls.set(f.name, list);
    }
    this.allowedCalls = byName(model.allowed);
    this.registrations = byName(model.registrations);
    for (const f of model.fieldRegistrations) {
      const list = this.fields.get(f.field) ?? [];
      list.push(f);
      this.fields.set(f.field, list);
    }
    this.predicates = byName(model.predicates);
    this.chainCalls = byName(model.notifierChains.calls);
    this.chainRegistrations = byName(model.notifierChains.registrations);
    this.lastReferenceTests = new Set(model.lastReferenceTests.map((t) => t.name));
    this.wrappers = new Map(Object.entries(config.wrappers));
    this.enabledRules = new Set(RULE_IDS.filter((r) => config.rules[r] !== false));
  }

  /** The kernel API a name stands for: itself, or what a configured wrapper wraps. */
  private api(name: string): string {
    return this.wrappers.get(name) ?? name;
  }

  contextChange(name: string): ContextChange | undefined {
    return this.changes.get(this.api(name));
  }

  forbidden(name: string): ForbiddenCall[] {
    return this.forbiddenCalls.get(this.api(name)) ?? [];
  }

  registration(name: string): Registration | undefined {
    return this.registrations.get(this.api(name));
  }

  fieldRegistrations(field: string): FieldRegistration[] {
    return this.fields.get(field) ?? [];
  }

  predicate(name: string): Predicate | undefined {
    return this.predicates.get(name);
  }

  chainCall(name: string): ChainCall | undefined {
    return this.chainCalls.get(this.api(name));
  }

  chainRegistration(name: string): ChainRegistration | undefined {
    return this.chainRegistrations.get(this.api(name));
  }

  /** Whether the call is true only where it dropped the last reference (see LastReferenceTest). */
  isLastReferenceTest(name: string): boolean {
    return this.lastReferenceTests.has(this.api(name));
  }

  /** The notifier block's callback field chain calls call through. */
  get notifierField(): string {
    return this.model.notifierChains.field;
  }

  /** Whether the name is modelled at all (then a workspace definition of it is not followed). */
  isKernelApi(name: string): boolean {
    const api = this.api(name);
    return (
      this.changes.has(api) ||
      this.forbiddenCalls.has(api) ||
      this.registrations.has(api) ||
      this.allowedCalls.has(api) ||
      this.chainCalls.has(api) ||
      this.chainRegistrations.has(api) ||
      this.lastReferenceTests.has(api)
    );
  }
}
