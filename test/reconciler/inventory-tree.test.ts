import { describe, expect, it } from 'vitest';
import type { Sync } from '../../src/api/sync.ts';
import { inventoryTree } from '../../src/reconciler/inventory-tree.ts';

const sync = (status: Sync['status']): Sync => ({
  apiVersion: 'strata.dev/v1alpha1',
  kind: 'Sync',
  metadata: { name: 'web', namespace: 'team' },
  spec: { url: 'https://git.example.com/a.git' },
  status,
});

describe('strata tree', () => {
  it('groups the inventory by namespace', () => {
    const text = inventoryTree(
      sync({ lastAppliedRevision: 'main@sha1:abc', inventory: { entries: [{ id: 'team_web_apps_Deployment', v: 'apps/v1' }, { id: '_team__Namespace', v: 'v1' }, { id: 'team_web__Service', v: 'v1' }] } }),
    );
    expect(text).toBe(['Sync/team/web (main@sha1:abc)', '├── (cluster)', '│   └── Namespace/team', '└── Namespace/team', '    ├── Deployment.apps/web', '    └── Service/web', ''].join('\n'));
  });

  it('draws the Syncs it applies (a cluster’s units) with their own inventories beneath them', () => {
    const unit = (name: string, entries: { id: string; v: string }[]): Sync => ({ ...sync({ lastAppliedRevision: 'main@sha1:abc', inventory: { entries } }), metadata: { name, namespace: 'strata-system' } });
    const root = unit('prod', [
      { id: 'strata-system_prod-apps_strata.dev_Sync', v: 'strata.dev/v1alpha1' },
      { id: 'strata-system_prod-infrastructure_strata.dev_Sync', v: 'strata.dev/v1alpha1' },
    ]);
    const nested = new Map([
      ['strata-system/prod-apps', unit('prod-apps', [{ id: 'shop_api_apps_Deployment', v: 'apps/v1' }])],
      ['strata-system/prod-infrastructure', unit('prod-infrastructure', [{ id: '_shop__Namespace', v: 'v1' }])],
    ]);
    expect(inventoryTree(root, nested)).toBe(
      [
        'Sync/strata-system/prod (main@sha1:abc)',
        '└── Namespace/strata-system',
        '    ├── Sync/strata-system/prod-apps (main@sha1:abc)',
        '    │   └── Namespace/shop',
        '    │       └── Deployment.apps/api',
        '    └── Sync/strata-system/prod-infrastructure (main@sha1:abc)',
        '        └── (cluster)',
        '            └── Namespace/shop',
        '',
      ].join('\n'),
    );
  });
});
