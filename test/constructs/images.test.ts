import { describe, expect, it } from 'vitest';
import { ConstructValidationError, Overlays, parseImage, Testing } from '../../src/constructs/index.ts';
import { appFixture, at } from './_fixtures.ts';

const imagesOf = (objects: ReturnType<typeof Testing.overlay>) => {
  const pod = at(Testing.find(objects, 'Deployment', 'web'), 'spec', 'template', 'spec');
  return [at(pod, 'initContainers', 0, 'image'), at(pod, 'containers', 0, 'image')];
};

describe('images', () => {
  it('parses names with registry ports, tags and digests', () => {
    expect(parseImage('localhost:5000/team/app:1.2')).toEqual({ name: 'localhost:5000/team/app', tag: '1.2' });
    expect(parseImage('localhost:5000/team/app')).toEqual({ name: 'localhost:5000/team/app' });
    expect(parseImage('app:1@sha256:abc')).toEqual({ name: 'app', tag: '1', digest: 'sha256:abc' });
  });

  it('sets a new tag, name or digest on matching containers, init containers included', () => {
    const tagged = Testing.overlay(appFixture(), Overlays.images([{ name: 'ghcr.io/acme/web', newTag: '2.0.0' }]));
    expect(imagesOf(tagged)).toEqual(['ghcr.io/acme/web-migrate:1.0.0', 'ghcr.io/acme/web:2.0.0']);
    const moved = Testing.overlay(appFixture(), Overlays.images([{ name: 'ghcr.io/acme/web-migrate', newName: 'mirror.local/web-migrate' }]));
    expect(imagesOf(moved)).toEqual(['mirror.local/web-migrate:1.0.0', 'ghcr.io/acme/web:1.0.0']);
    const pinned = Testing.overlay(appFixture(), Overlays.images([{ name: 'ghcr.io/acme/web', digest: 'sha256:0123' }]));
    expect(imagesOf(pinned)[1]).toBe('ghcr.io/acme/web@sha256:0123');
  });

  it('reports an override that matches nothing (a typo in an environment)', () => {
    expect(() => Testing.overlay(appFixture(), Overlays.images([{ name: 'ghcr.io/acme/wbe', newTag: '2' }]))).toThrow(ConstructValidationError);
  });
});
