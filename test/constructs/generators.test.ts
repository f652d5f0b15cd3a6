import { describe, expect, it } from 'vitest';
import { ConstructValidationError, Overlays, Testing } from '../../src/constructs/index.ts';
import { appFixture, at } from './_fixtures.ts';

const withoutConfig = () => appFixture().filter((object) => object.kind !== 'ConfigMap');
const generate = (data: Record<string, string>) => Overlays.configMapGenerator({ name: 'web-config', namespace: 'shop', data });
const configRefs = (objects: ReturnType<typeof Testing.overlay>, deployment = 'web') => {
  const pod = at(Testing.find(objects, 'Deployment', deployment), 'spec', 'template', 'spec');
  return [at(pod, 'containers', 0, 'envFrom', 0, 'configMapRef', 'name'), at(pod, 'containers', 0, 'env', 0, 'valueFrom', 'configMapKeyRef', 'name'), at(pod, 'volumes', 0, 'configMap', 'name')];
};

describe('configMapGenerator / secretGenerator', () => {
  it('puts the content hash into the name and into every reference', () => {
    const objects = Testing.overlay(withoutConfig(), generate({ MODE: 'fast' }));
    const configMap = objects.find((object) => object.kind === 'ConfigMap')!;
    expect(configMap.metadata.name).toMatch(/^web-config-[0-9a-f]{10}$/);
    expect(configMap.data).toEqual({ MODE: 'fast' });
    expect(configRefs(objects)).toEqual([configMap.metadata.name, configMap.metadata.name, configMap.metadata.name]);
  });

  it('changes the name, and so the pod template, when the content changes', () => {
    const a = Testing.overlay(withoutConfig(), generate({ MODE: 'fast' }));
    const b = Testing.overlay(withoutConfig(), generate({ MODE: 'slow' }));
    const again = Testing.overlay(withoutConfig(), generate({ MODE: 'fast' }));
    expect(configRefs(a)[0]).not.toBe(configRefs(b)[0]);
    expect(configRefs(a)).toEqual(configRefs(again)); // deterministic
  });

  it('is prefixed with the rest when it runs before namePrefix', () => {
    const objects = Testing.overlay(withoutConfig(), generate({ MODE: 'fast' }), Overlays.namePrefix('prod-'));
    const name = objects.find((object) => object.kind === 'ConfigMap')!.metadata.name;
    expect(name).toMatch(/^prod-web-config-[0-9a-f]{10}$/);
    expect(configRefs(objects, 'prod-web')[0]).toBe(name);
  });

  it('merges into, or refuses to clobber, an existing object', () => {
    expect(() => Testing.overlay(appFixture(), generate({ EXTRA: '1' }))).toThrow(ConstructValidationError);
    const merged = Testing.overlay(appFixture(), Overlays.configMapGenerator({ name: 'web-config', namespace: 'shop', data: { EXTRA: '1' }, behavior: 'merge' }));
    expect(merged.find((object) => object.kind === 'ConfigMap')!.data).toEqual({ MODE: 'fast', EXTRA: '1' });
  });

  it('generates Secrets with base64 data and rewrites secret references', () => {
    const fixture = appFixture().filter((object) => object.kind !== 'Secret');
    const objects = Testing.overlay(fixture, Overlays.secretGenerator({ name: 'web-secret', namespace: 'shop', stringData: { TOKEN: 'héllo' } }));
    const secret = objects.find((object) => object.kind === 'Secret')!;
    expect(secret.data).toEqual({ TOKEN: 'aMOpbGxv' });
    expect(secret.type).toBe('Opaque');
    expect(at(Testing.find(objects, 'Ingress', 'web'), 'spec', 'tls', 0, 'secretName')).toBe(secret.metadata.name);
    expect(at(Testing.find(objects, 'Deployment', 'web'), 'spec', 'template', 'spec', 'volumes', 1, 'secret', 'secretName')).toBe(secret.metadata.name);
  });
});

describe('configMapGenerator with a list', () => {
  it('generates many ConfigMaps and rewrites their references in one overlay', () => {
    const objects = Testing.overlay(
      withoutConfig(),
      Overlays.configMapGenerator([
        { name: 'web-config', namespace: 'shop', data: { MODE: 'fast' } },
        { name: 'unused', namespace: 'shop', data: { A: '1' } },
      ]),
    );
    const names = objects.filter((object) => object.kind === 'ConfigMap').map((object) => object.metadata.name);
    expect(names).toHaveLength(2);
    expect(names[1]).toMatch(/^unused-[0-9a-f]{10}$/);
    expect(configRefs(objects)[0]).toBe(names[0]);
    // same hash as the single form
    expect(configRefs(Testing.overlay(withoutConfig(), generate({ MODE: 'fast' })))[0]).toBe(names[0]);
  });
});
