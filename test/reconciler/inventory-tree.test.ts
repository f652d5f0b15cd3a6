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
});

