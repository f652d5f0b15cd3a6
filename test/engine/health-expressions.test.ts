import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifest/index.ts';
import { computeHealth } from '../../src/engine/health.ts';
import { HealthExpressionError, checkHealthExpressions, compileHealthExpressions } from '../../src/engine/health-expressions.ts';

const widget = (status: Record<string, unknown> | undefined, metadata: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'ns', generation: 2, ...metadata },
  spec: { size: 3 },
  ...(status === undefined ? {} : { status }),
});

// The shapes of the Flux CEL cheatsheet: a phase, conditions filtered by type, optional fields.
const rules = compileHealthExpressions([
  {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    inProgress: "has(status.phase) && status.phase == 'Building'",
    failed: "status.?conditions.orValue([]).exists(c, c.type == 'Ready' && c.status == 'False')",
    current: "status.conditions.filter(c, c.type == 'Ready').all(c, c.status == 'True' && c.observedGeneration == metadata.generation) && status.built >= spec.size",
  },
]);

describe('healthCheckExprs: evaluation', () => {
  it('is Current when current is true, with integers compared as ints', () => {
    const health = computeHealth(widget({ built: 3, conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }] }), rules);
    expect(health).toEqual({ status: 'Current', message: 'healthCheckExprs current is true' });
  });

  it('evaluates inProgress, then failed, then current: the first true one decides', () => {
    // Building and Ready=False at once: inProgress comes first.
    const both = widget({ phase: 'Building', conditions: [{ type: 'Ready', status: 'False' }] });
    expect(computeHealth(both, rules).status).toBe('InProgress');
    expect(computeHealth(widget({ phase: 'Done', conditions: [{ type: 'Ready', status: 'False' }] }), rules)).toEqual({ status: 'Failed', message: 'healthCheckExprs failed is true' });
  });

  it('is InProgress when no expression is true', () => {
    expect(computeHealth(widget({ built: 1, conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }] }), rules)).toEqual({
      status: 'InProgress',
      message: 'no healthCheckExprs expression is true yet',
    });
  });

  it('is Unknown, naming the expression, when a field it reads is missing (the wait goes on, as in Flux)', () => {
    const health = computeHealth(widget(undefined), rules);
    expect(health.status).toBe('Unknown');
    expect(health.message).toMatch(/^healthCheckExprs current: No such key: (conditions|built)$/);
  });

  it('replaces the generic condition rules of its kind, but not deletion or an unobserved generation', () => {
    const stalled = widget({ built: 3, conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }, { type: 'Stalled', status: 'True' }] });
    expect(computeHealth(stalled).status).toBe('Failed');
    expect(computeHealth(stalled, rules).status).toBe('Current');
    expect(computeHealth(widget({ observedGeneration: 1 }), rules).message).toBe('generation 2 not observed yet (observed 1)');
    expect(computeHealth(widget({}, { deletionTimestamp: '2026-01-01T00:00:00Z' }), rules).status).toBe('Terminating');
  });

  it('replaces a built-in rule, for every version of the group', () => {
    const canaryRules = compileHealthExpressions([{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', current: "status.phase == 'Promoting'" }]);
    const canary: KubeObject = { apiVersion: 'flagger.app/v1', kind: 'Canary', metadata: { name: 'c' }, status: { phase: 'Promoting' } };
    expect(computeHealth(canary).status).toBe('InProgress');
    expect(computeHealth(canary, canaryRules).status).toBe('Current');
  });
});

describe('healthCheckExprs: bounds (a tenant writes them)', () => {
  it('interrupts an evaluation after 100 ms: Unknown, naming the expression', () => {
    const slow = compileHealthExpressions([{ apiVersion: 'example.com/v1', kind: 'Widget', current: 'status.l.all(a, status.l.all(b, status.l.all(c, a + b + c >= 0)))' }]);
    const health = computeHealth(widget({ l: Array.from({ length: 1000 }, (_, index) => index) }), slow);
    expect(health).toEqual({ status: 'Unknown', message: 'healthCheckExprs current: interrupted after 100 ms' });
    // The same rule on a small list is evaluated as usual.
    expect(computeHealth(widget({ l: [1, 2] }), slow).status).toBe('Current');
  });

  it('refuses an expression longer than 4096 characters', () => {
    const long = `status.phase == '${'x'.repeat(4096)}'`;
    expect(checkHealthExpressions([{ apiVersion: 'example.com/v1', kind: 'Widget', current: long }])).toEqual([
      { field: 'spec.healthCheckExprs[0].current', kind: 'example.com/Widget', message: `has ${long.length} characters, more than 4096` },
    ]);
  });
});

describe('healthCheckExprs: compile-time checks', () => {
  it('names the entry, its kind and field for a syntax error, an unknown function or variable, and a non-bool result', () => {
    const problems = checkHealthExpressions([
      { apiVersion: 'example.com/v1', kind: 'Widget', current: "status.phase == 'Ready' &&" },
      { apiVersion: 'example.com/v1', kind: 'Gadget', current: 'isReady(status)', failed: "stauts.phase == 'Failed'" },
      { apiVersion: 'example.com/v1', kind: 'Gizmo', current: 'kind' },
    ]);
    expect(problems.map((problem) => `${problem.field} ${problem.kind}`)).toEqual([
      'spec.healthCheckExprs[0].current example.com/Widget',
      'spec.healthCheckExprs[1].failed example.com/Gadget',
      'spec.healthCheckExprs[1].current example.com/Gadget',
      'spec.healthCheckExprs[2].current example.com/Gizmo',
    ]);
    expect(problems[0]?.message).toBe(`"status.phase == 'Ready' &&": Unexpected token: EOF`);
    expect(problems[1]?.message).toContain('Unknown variable: stauts');
    expect(problems[2]?.message).toContain("found no matching overload for 'isReady(map");
    expect(problems[3]?.message).toBe('"kind" is a string, not a bool');
  });

  it('refuses a missing current, a missing kind and two entries for one kind', () => {
    const problems = checkHealthExpressions([
      { apiVersion: 'example.com/v1', kind: 'Widget', current: '' },
      { apiVersion: 'example.com/v1', kind: '', current: 'true' },
      { apiVersion: 'example.com/v2', kind: 'Widget', current: 'true' },
    ]);
    expect(problems.map((problem) => `${problem.field}: ${problem.message}`)).toEqual([
      'spec.healthCheckExprs[0].current: current is required',
      'spec.healthCheckExprs[1]: apiVersion and kind are required',
      'spec.healthCheckExprs[2].kind: a second entry for example.com/Widget: one entry per group and kind',
    ]);
  });

  it('compileHealthExpressions throws every problem at once', () => {
    const attempt = () =>
      compileHealthExpressions([
        { apiVersion: 'example.com/v1', kind: 'Widget', current: '(' },
        { apiVersion: 'example.com/v1', kind: 'Gadget', current: 'true', inProgress: ')' },
      ]);
    expect(attempt).toThrow(HealthExpressionError);
    expect(attempt).toThrow(/spec\.healthCheckExprs\[0\]\.current \(example\.com\/Widget\): .*; spec\.healthCheckExprs\[1\]\.inProgress \(example\.com\/Gadget\)/);
  });
});
