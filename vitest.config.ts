import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The example imports the library by its package name; in this checkout that resolves to
// the TypeScript sources under the `strata-source` export condition (package.json).
const SOURCE_CONDITION = 'strata-source';

// One real cluster per run (test/cluster/global-setup.ts); each test file works in namespaces
// of its own. Integration tests wait on real controllers, hence the generous timeouts.
export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/cluster/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
