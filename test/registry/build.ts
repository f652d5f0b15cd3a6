// Builds (or reuses) the distribution v3 registry the paging tests run against, so CI can do it
// up front: `node --import tsx test/registry/build.ts`. Also checks the Debian packages.
import { registryV3Binary } from './tools.ts';
import { RegistryToolError, requireBinary } from './registry.ts';

try {
  for (const [binary, pkg] of [['docker-registry', 'docker-registry'], ['htpasswd', 'apache2-utils'], ['openssl', 'openssl']] as const) requireBinary(binary, pkg);
  process.stderr.write(`registry v3: ${await registryV3Binary()}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof RegistryToolError ? error.message : String(error)}\n`);
  process.exit(1);
}
