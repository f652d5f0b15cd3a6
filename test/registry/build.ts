// Builds (or reuses) the distribution v3 registry the image tests run against, as part of the
// tools step (`npm run tools:build`; the test run's global setup does the same when missing).
import { RegistryToolError } from './registry.ts';
import { registryV3Binary } from './tools.ts';

try {
  process.stderr.write(`registry v3: ${await registryV3Binary()}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof RegistryToolError ? error.message : String(error)}\n`);
  process.exit(1);
}
