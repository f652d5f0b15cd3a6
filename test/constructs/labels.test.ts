import { describe, expect, it } from 'vitest';
import { Overlays, Testing } from '../../src/constructs/index.ts';
import { appFixture, at } from './_fixtures.ts';

const selector = { 'app.kubernetes.io/name': 'web' };

describe('labels and annotations', () => {
  it('labels metadata only: selectors and pod templates stay untouched', () => {
    const objects = Testing.overlay(appFixture(), Overlays.labels({ team: 'shop' }));
    for (const object of objects) expect(object.metadata.labels?.team).toBe('shop');
    const deployment = Testing.find(objects, 'Deployment', 'web');
    expect(at(deployment, 'spec', 'selector', 'matchLabels')).toEqual(selector);
    expect(at(deployment, 'spec', 'template', 'metadata', 'labels')).toEqual(selector);
    expect(at(Testing.find(objects, 'Service', 'web'), 'spec', 'selector')).toEqual(selector);
    expect(at(Testing.find(objects, 'PodDisruptionBudget', 'web'), 'spec', 'selector', 'matchLabels')).toEqual(selector);
  });

  it('labels pod templates, not selectors, with templates: true', () => {
    const objects = Testing.overlay(appFixture(), Overlays.labels({ team: 'shop' }, { templates: true }));
    const deployment = Testing.find(objects, 'Deployment', 'web');
    expect(at(deployment, 'spec', 'template', 'metadata', 'labels')).toEqual({ ...selector, team: 'shop' });
    expect(at(deployment, 'spec', 'selector', 'matchLabels')).toEqual(selector);
  });

  it('changes selectors only when explicitly asked, and then consistently', () => {
    const objects = Testing.overlay(appFixture(), Overlays.labels({ team: 'shop' }, { selectors: true }));
    const both = { ...selector, team: 'shop' };
    const deployment = Testing.find(objects, 'Deployment', 'web');
    expect(at(deployment, 'spec', 'selector', 'matchLabels')).toEqual(both);
    expect(at(deployment, 'spec', 'template', 'metadata', 'labels')).toEqual(both);
    expect(at(Testing.find(objects, 'Service', 'web'), 'spec', 'selector')).toEqual(both);
    expect(at(Testing.find(objects, 'PodDisruptionBudget', 'web'), 'spec', 'selector', 'matchLabels')).toEqual(both);
  });

  it('annotates metadata, and pod templates only when asked', () => {
    const plain = Testing.overlay(appFixture(), Overlays.annotations({ owner: 'shop' }));
    expect(Testing.find(plain, 'Deployment', 'web').metadata.annotations).toEqual({ owner: 'shop' });
    expect(at(Testing.find(plain, 'Deployment', 'web'), 'spec', 'template', 'metadata', 'annotations')).toBeUndefined();
    const templated = Testing.overlay(appFixture(), Overlays.annotations({ owner: 'shop' }, { templates: true }));
    expect(at(Testing.find(templated, 'Deployment', 'web'), 'spec', 'template', 'metadata', 'annotations')).toEqual({ owner: 'shop' });
  });
});
