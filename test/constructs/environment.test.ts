import { describe, expect, it } from 'vitest';
import { Environment, MissingImageError, RESOURCE_TIERS, TEST_PROFILE, Testing, type DeepPartial, type EnvironmentProfile } from '../../src/constructs/index.ts';

describe('Environment', () => {
  it('deep-merges environment values over the base: objects merge, arrays and scalars replace', () => {
    const env = Environment.define(TEST_PROFILE, { domain: 'prod.example.com', features: { canary: true }, replicas: { scale: 2 } });
    expect(env.profile.domain).toBe('prod.example.com');
    expect(env.profile.features).toEqual({ ...TEST_PROFILE.features, canary: true });
    expect(env.profile.replicas).toEqual({ scale: 2, min: 1, maxFactor: 2 });
    expect(TEST_PROFILE.features.canary).toBe(false); // the base is not mutated
  });

  it('applies layers in order, the last one winning', () => {
    const env = Environment.define(TEST_PROFILE, { logLevel: 'debug' }, { logLevel: 'warn' });
    expect(env.profile.logLevel).toBe('warn');
  });

  it('replaces records of images key by key and leaves others', () => {
    const base = Testing.environment({ images: { api: 'r/api:1', web: 'r/web:1' } });
    const env = base.with({ images: { api: 'r/api:2' } });
    expect(env.image('api')).toBe('r/api:2');
    expect(env.image('web')).toBe('r/web:1');
  });

  it('gives components their own values over the environment', () => {
    const env = Testing.environment({
      replicas: { scale: 0.5, min: 2, maxFactor: 3 },
      resourceTier: 'medium',
      components: { api: { resourceTier: 'large', replicas: 10, features: { autoscaling: false }, env: { MODE: 'fast' } } },
    });
    const api = env.component('api');
    expect(api.resources).toEqual(RESOURCE_TIERS.large);
    expect(api.replicas(3)).toBe(5); // its own 10, halved
    expect(api.maxReplicas(5)).toBe(15);
    expect(api.features.autoscaling).toBe(false);
    expect(api.env).toEqual({ LOG_LEVEL: 'info', MODE: 'fast' });
    const other = env.component('other');
    expect(other.resources).toEqual(RESOURCE_TIERS.medium);
    expect(other.replicas(3)).toBe(2); // 1.5 rounds up to 2, and the minimum is 2
  });

  it('names the lock file when an image is missing', () => {
    expect(() => Testing.environment().image('nope')).toThrow(MissingImageError);
    expect(() => Testing.environment().image('nope')).toThrow(/clusters\/test\/images\.json/);
  });

  it('rejects misspelt and mistyped settings at compile time', () => {
    // These lines are checked by `tsc --noEmit` (part of `npm test`): each must be an error.
    const overrides: DeepPartial<EnvironmentProfile>[] = [
      // @ts-expect-error: misspelt key
      { domian: 'x.example.com' },
      // @ts-expect-error: misspelt nested key
      { features: { canery: true } },
      // @ts-expect-error: wrong type
      { replicas: { scale: 'two' } },
      // @ts-expect-error: not a resource tier
      { resourceTier: 'huge' },
    ];
    expect(overrides).toHaveLength(4);
  });
});

describe('Environment.problems', () => {
  it('reports values that types cannot catch, and the cluster fails with them', () => {
    const env = Testing.environment({ domain: 'Shop.Example', replicas: { scale: 0, min: 1.5 }, images: { api: 'ghcr.io/acme/api' } });
    expect(env.problems()).toEqual([
      'replicas.scale must be above 0, got 0',
      'replicas.min must be a whole number ≥ 0, got 1.5',
      'domain "Shop.Example" is not a lower-case DNS name',
      'images.api: "ghcr.io/acme/api" has neither a tag nor a digest',
    ]);
    expect(() => Testing.cluster(() => undefined, { environment: env }).synthesize()).toThrow(/test\/environment: replicas.scale/);
    expect(Testing.environment().problems()).toEqual([]);
  });
});
