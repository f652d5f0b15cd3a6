import { describe, expect, it } from 'vitest';
import { HOOK_ANNOTATION, HOOK_DELETE_POLICY_ANNOTATION, OrderingAnnotationError, WAVE_ANNOTATION, hookOf, orderingProblems, waveOf } from '../../src/api/index.ts';
import type { KubeObject } from '../../src/manifest/index.ts';

const object = (kind: string, annotations: Record<string, string> = {}, apiVersion = kind === 'Job' ? 'batch/v1' : 'v1'): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'shop', annotations },
});

describe('strata.dev/wave', () => {
  it('is an integer, default 0, negative allowed', () => {
    expect(waveOf(object('ConfigMap'))).toBe(0);
    expect(waveOf(object('ConfigMap', { [WAVE_ANNOTATION]: '3' }))).toBe(3);
    expect(waveOf(object('ConfigMap', { [WAVE_ANNOTATION]: ' -2 ' }))).toBe(-2);
  });

  it.each(['soon', '1.5', '', '1e3', '99999999999999999999'])('refuses %j, naming the annotation', (value) => {
    expect(() => waveOf(object('ConfigMap', { [WAVE_ANNOTATION]: value }))).toThrow(new OrderingAnnotationError(WAVE_ANNOTATION, `${JSON.stringify(value)} is not an integer (waves are applied in ascending order, default 0)`));
  });
});

describe('strata.dev/hook', () => {
  it('names the phase and the delete policies (default before-creation)', () => {
    expect(hookOf(object('ConfigMap'))).toBeUndefined();
    expect(hookOf(object('Job', { [HOOK_ANNOTATION]: 'pre-apply' }))).toEqual({ phase: 'pre-apply', deletePolicies: ['before-creation'] });
    expect(hookOf(object('Pod', { [HOOK_ANNOTATION]: 'On-Failure', [HOOK_DELETE_POLICY_ANNOTATION]: 'succeeded, failed' }))).toEqual({ phase: 'on-failure', deletePolicies: ['succeeded', 'failed'] });
  });

  it('refuses unknown phases and policies, a policy without a hook, and a wave on a hook', () => {
    expect(() => hookOf(object('Job', { [HOOK_ANNOTATION]: 'pre-install' }))).toThrow(/strata.dev\/hook: "pre-install" is not one of pre-apply, post-apply, on-failure/);
    expect(() => hookOf(object('Job', { [HOOK_ANNOTATION]: 'post-apply', [HOOK_DELETE_POLICY_ANNOTATION]: 'hook-succeeded' }))).toThrow(/strata.dev\/hook-delete-policy: "hook-succeeded" is not a comma-separated list/);
    expect(() => hookOf(object('Job', { [HOOK_DELETE_POLICY_ANNOTATION]: 'succeeded' }))).toThrow(/not a hook/);
    expect(orderingProblems(object('Job', { [HOOK_ANNOTATION]: 'pre-apply', [WAVE_ANNOTATION]: 'x' })).map((problem) => problem.detail)).toEqual([
      '"x" is not an integer (waves are applied in ascending order, default 0)',
      'a hook has no wave: pre-apply hooks run before every wave',
    ]);
    expect(orderingProblems(object('Job', { [HOOK_ANNOTATION]: 'pre-apply', [WAVE_ANNOTATION]: '1' })).map((problem) => problem.message)).toEqual([
      'annotation strata.dev/wave: a hook has no wave: pre-apply hooks run before every wave',
    ]);
    expect(orderingProblems(object('Job', { [HOOK_ANNOTATION]: 'pre-apply' }))).toEqual([]);
  });
});
