// Builds (or reuses) the test cluster binaries: `npm run tools:build [-- --force] [module...]`.
import { buildTools, TestToolsError, toolsCacheRoot } from './tools.ts';

const args = process.argv.slice(2);
const force = args.includes('--force');
const modules = args.filter((a) => !a.startsWith('--'));
const started = Date.now();
try {
  const results = await buildTools({ force, ...(modules.length > 0 ? { modules } : {}) });
  const built = results.filter((r) => r.action === 'built').length;
  process.stderr.write(
    `test tools: ${built} module(s) built, ${results.length - built} reused, ` +
      `${Math.round((Date.now() - started) / 1000)}s total; cache ${toolsCacheRoot()}\n`,
  );
} catch (err) {
  process.stderr.write(`${err instanceof TestToolsError ? err.message : String(err)}\n`);
  process.exit(1);
}
