/**
 * Health rules written as CEL expressions on a Sync (`spec.healthCheckExprs`), as Flux 2.5's
 * Kustomization has them (RFC-0009): for every object of one `group/Kind`, the expressions
 * `inProgress`, `failed` and `current` are evaluated in that order over the object and the first
 * that is true decides; none true is InProgress. An expression that cannot be evaluated (a field
 * that is not there, without `has()` or `.?`) is Unknown with the error, so the wait goes on until
 * the object has it or the timeout says so, as in Flux.
 *
 * Compiling is separate from evaluating so that `strata validate` checks every expression
 * (syntax, unknown functions and variables, a result that cannot be a bool) before anything
 * reaches a cluster, and the agent refuses a Sync with a bad one before applying.
 *
 * The variables are the object's top-level fields as Flux declares them: `apiVersion`, `kind`,
 * `metadata`, `spec` and `status` (a missing one is an empty map, so `has(status.phase)` works on
 * an object no controller has touched yet). JSON integers are CEL ints, as in Kubernetes.
 *
 * Bounds, since whoever may write a Sync writes these (a tenant, in a shared cluster): an
 * expression has at most 4096 characters, and judging one object runs at most 100 ms (node:vm's
 * watchdog interrupts it; it is then Unknown), so nested comprehensions over long lists or a
 * backtracking `matches()` cannot stall the agent's other Syncs (CEL has no loops or recursion).
 */
import vm from 'node:vm';
import { Environment } from '@marcbachmann/cel-js';
import type { HealthCheckExpression } from '../api/index.ts';
import type { KubeObject } from '../manifest/index.ts';
import { groupKindOf, type Health, type HealthRule, type HealthStatus } from './health.ts';

/** The expressions of one entry, in the order they are evaluated. */
const EXPRESSION_FIELDS = [
  ['inProgress', 'InProgress'],
  ['failed', 'Failed'],
  ['current', 'Current'],
] as const satisfies readonly (readonly [keyof HealthCheckExpression, HealthStatus])[];

const MAP_VARIABLES = ['metadata', 'spec', 'status'] as const;

/** The longest expression accepted (the CRD says the same). */
export const MAX_EXPRESSION_LENGTH = 4096;
/** How long judging one object (its rule's expressions) may run before it is interrupted. */
export const EVALUATION_BUDGET_MS = 100;

function environment(): Environment {
  // Optional fields (`status.?conditions.orValue([])`) as cel-go's OptionalTypes, which the Flux cheatsheet uses.
  const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false });
  env.registerVariable('apiVersion', 'string').registerVariable('kind', 'string');
  for (const name of MAP_VARIABLES) env.registerVariable(name, 'map');
  return env;
}

let shared: Environment | undefined;
const env = (): Environment => (shared ??= environment());

/** One bad entry or expression of `spec.healthCheckExprs`. */
export interface HealthExpressionProblem {
  /** `spec.healthCheckExprs[1].current` */
  readonly field: string;
  /** `example.com/Widget` (group/Kind), or what the entry gave. */
  readonly kind: string;
  readonly message: string;
}

/** A Sync's `spec.healthCheckExprs` has problems; every one is listed. */
export class HealthExpressionError extends Error {
  override readonly name = 'HealthExpressionError';
  constructor(readonly problems: readonly HealthExpressionProblem[]) {
    super(problems.map((problem) => `${problem.field} (${problem.kind}): ${problem.message}`).join('; '));
  }
}

type Evaluator = (context: Record<string, unknown>) => unknown;

interface Compiled {
  readonly rules: Map<string, HealthRule>;
  readonly problems: HealthExpressionProblem[];
}

function firstLine(message: string): string {
  // The library draws a caret under the expression on the following lines; the field already says which.
  return message.split('\n')[0]?.trim() ?? message;
}

function compileAll(entries: readonly HealthCheckExpression[]): Compiled {
  const rules = new Map<string, HealthRule>();
  const problems: HealthExpressionProblem[] = [];
  entries.forEach((entry, index) => {
    const at = `spec.healthCheckExprs[${index}]`;
    const kind = groupKindOf(entry.apiVersion ?? '', entry.kind ?? '');
    const problem = (field: string, message: string): void => void problems.push({ field: `${at}${field}`, kind, message });
    if (!entry.apiVersion || !entry.kind) {
      problem('', 'apiVersion and kind are required');
      return;
    }
    if (rules.has(kind)) problem('.kind', `a second entry for ${kind}: one entry per group and kind`);
    if (!entry.current) problem('.current', 'current is required');
    const evaluators: [Evaluator, HealthStatus, string][] = [];
    for (const [field, status] of EXPRESSION_FIELDS) {
      const expression = entry[field];
      if (expression === undefined || expression === '') continue;
      if (expression.length > MAX_EXPRESSION_LENGTH) {
        problem(`.${field}`, `has ${expression.length} characters, more than ${MAX_EXPRESSION_LENGTH}`);
        continue;
      }
      let evaluate: Evaluator;
      try {
        const parsed = env().parse(expression);
        const checked = parsed.check();
        if (!checked.valid) {
          problem(`.${field}`, `${JSON.stringify(expression)}: ${firstLine(checked.error?.message ?? 'does not type-check')}`);
          continue;
        }
        if (checked.type !== 'bool' && checked.type !== 'dyn') {
          problem(`.${field}`, `${JSON.stringify(expression)} is a ${checked.type}, not a bool`);
          continue;
        }
        evaluate = parsed as unknown as Evaluator;
      } catch (error) {
        problem(`.${field}`, `${JSON.stringify(expression)}: ${firstLine((error as Error).message)}`);
        continue;
      }
      evaluators.push([evaluate, status, field]);
    }
    rules.set(kind, ruleOf(evaluators));
  });
  return { rules, problems };
}

/** Every problem of `entries` (syntax, types, duplicates); empty when all compile. */
export function checkHealthExpressions(entries: readonly HealthCheckExpression[]): HealthExpressionProblem[] {
  return compileAll(entries).problems;
}

/** The rules of `entries`, keyed `group/Kind`; throws HealthExpressionError naming every bad expression. */
export function compileHealthExpressions(entries: readonly HealthCheckExpression[]): ReadonlyMap<string, HealthRule> {
  const { rules, problems } = compileAll(entries);
  if (problems.length > 0) throw new HealthExpressionError(problems);
  return rules;
}

function ruleOf(evaluators: readonly [Evaluator, HealthStatus, string][]): HealthRule {
  return (object: KubeObject): Health => {
    const context = contextOf(object);
    // One guarded call for the whole rule: the watchdog costs more than a simple evaluation.
    let field = evaluators[0]?.[2] ?? 'current';
    try {
      return withinBudget((): Health => {
        for (const [evaluate, status, name] of evaluators) {
          field = name;
          let result: unknown;
          try {
            result = evaluate(context);
          } catch (error) {
            return { status: 'Unknown', message: `healthCheckExprs ${name}: ${firstLine((error as Error).message)}` };
          }
          if (typeof result !== 'boolean') return { status: 'Unknown', message: `healthCheckExprs ${name} gave ${typeof result}, not a bool` };
          if (result) return { status, message: `healthCheckExprs ${name} is true` };
        }
        return { status: 'InProgress', message: 'no healthCheckExprs expression is true yet' };
      });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error;
      return { status: 'Unknown', message: `healthCheckExprs ${field}: interrupted after ${EVALUATION_BUDGET_MS} ms` };
    }
  };
}

// One call through node:vm with a timeout: its watchdog interrupts whatever JavaScript runs inside, the evaluator included.
let guard: { readonly sandbox: { run: (() => unknown) | undefined }; readonly call: vm.Script } | undefined;

function withinBudget<T>(run: () => T): T {
  guard ??= { sandbox: vm.createContext({ run: undefined }) as { run: (() => unknown) | undefined }, call: new vm.Script('run()') };
  const { sandbox, call } = guard;
  sandbox.run = run;
  try {
    return call.runInContext(sandbox as vm.Context, { timeout: EVALUATION_BUDGET_MS }) as T;
  } finally {
    sandbox.run = undefined;
  }
}

function contextOf(object: KubeObject): Record<string, unknown> {
  const record = object as unknown as Record<string, unknown>;
  const context: Record<string, unknown> = { apiVersion: object.apiVersion, kind: object.kind };
  for (const name of MAP_VARIABLES) context[name] = celValue(record[name] ?? {});
  return context;
}

/** JSON as Kubernetes' CEL sees it: whole numbers are ints (BigInt here), others doubles. */
function celValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(celValue);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, celValue(inner)]));
  return value;
}
