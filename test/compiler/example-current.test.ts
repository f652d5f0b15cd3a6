// The committed deploy/ must be what the example's sources compile to, so that a construct
// change without `npm run synth` fails the suite (as `strata check` fails CI) and names the
// files. The type-check is left to `tsc --noEmit` (npm test runs it first).
import { describe, expect, it } from 'vitest';
import { checkOutput } from '../../src/compiler/index.ts';
import { REPO } from './_project.ts';

describe('the example project', () => {
  it('has a committed deploy/ that is up to date with its sources', async () => {
    const result = await checkOutput({ root: REPO, typecheck: false });
    const stale = result.clusters.flatMap((cluster) => cluster.differences);
    const report = stale.map((difference) => `deploy/${difference.file} (${difference.change})\n${difference.diff}`).join('\n');
    expect(
      stale.map((difference) => `deploy/${difference.file}: ${difference.change}`),
      `deploy/ is stale: run \`npm run synth\` and commit deploy/.\n${report.slice(0, 20_000)}`,
    ).toEqual([]);
    expect(result.clusters.map((cluster) => cluster.cluster)).toEqual(['development', 'production', 'staging']);
    // The committed chart renders are what the pinned Helm renders, and every one is used.
    expect(result.renders.map((difference) => `${difference.file}: ${difference.diff}`), 'charts/renders/ is stale: run `npm run synth` and commit charts/renders/.').toEqual([]);
  }, 120_000);
});
