// Namespaces of their own for each test file, so files can run against one shared cluster.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

/** Label put on every namespace made by {@link createTestNamespace}. */
export const TEST_NAMESPACE_LABEL = 'strata.dev/test-namespace';

/** A namespace created for a test. */
export interface TestNamespace {
  readonly name: string;
  /** Deletes the namespace without waiting (its content goes once the namespace controller runs). */
  delete(): Promise<void>;
}

/** Options of {@link createTestNamespace}. */
export interface TestNamespaceProps {
  /**
   * Extra labels.
   * @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Lowercase DNS label from a free-form prefix, e.g. a test file name. */
export function namespacePrefix(prefix: string): string {
  const cleaned = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return cleaned || 'test';
}

/** Creates `<prefix>-<random>` and returns it; the name never repeats across files or runs. */
export async function createTestNamespace(
  kc: KubeConfig,
  prefix: string,
  props: TestNamespaceProps = {},
): Promise<TestNamespace> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${namespacePrefix(prefix)}-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({
    body: {
      metadata: { name, labels: { ...props.labels, [TEST_NAMESPACE_LABEL]: 'true' } },
    },
  });
  return {
    name,
    delete: async () => {
      try {
        await core.deleteNamespace({ name });
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
      }
    },
  };
}
