import { defineConfig } from 'vitest/config';

// One real cluster per run (test/cluster/global-setup.ts); each test file works in namespaces
// of its own. Integration tests wait on real controllers, hence the generous timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/cluster/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
