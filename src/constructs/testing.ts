import type { Construct } from 'constructs';
import type { KubeObject } from '../manifest/index.ts';
import { Cluster, type ComponentBuilder } from './cluster.ts';
import type { ClusterSource } from './cluster-source.ts';
import { Environment } from './environment.ts';
import { ConstructValidationError } from './errors.ts';
import { applyOverlays, type MutableObject, type Overlay, type Resource } from './overlays/overlay.ts';
import type { DeepPartial, EnvironmentProfile } from './profile.ts';

/** The profile `Testing.environment()` starts from: every feature on, one of everything. */
export const TEST_PROFILE: EnvironmentProfile = {
  name: 'test',
  domain: 'test.example.com',
  replicas: { scale: 1, min: 1, maxFactor: 2 },
  resourceTier: 'small',
  logLevel: 'info',
  features: { canary: false, serviceMonitors: true, networkPolicies: true, podDisruptionBudgets: true, autoscaling: true },
  ingressClassName: 'nginx',
  certificateIssuer: 'letsencrypt',
  images: {},
  components: {},
};

export interface TestClusterOptions {
  /** @default Testing.environment() */
  readonly environment?: Environment;
  /** @default none */
  readonly overlays?: readonly Overlay[];
  /** @default 'test' */
  readonly name?: string;
}

/** One-liners for tests: build, synthesize and overlay without files or a cluster. */
export const Testing = {
  /** An environment from `TEST_PROFILE` with `overrides` merged over it. */
  environment(overrides: DeepPartial<EnvironmentProfile> = {}): Environment {
    return Environment.define(TEST_PROFILE, overrides);
  },

  /** A cluster of one layer, `test`, holding what `build` adds. */
  cluster(build: ComponentBuilder, options: TestClusterOptions = {}): Cluster {
    return new Cluster({
      environment: options.environment ?? Testing.environment(),
      name: options.name ?? 'test',
      layers: { test: [build] },
      ...(options.overlays === undefined ? {} : { overlays: options.overlays }),
    });
  },

  /** The objects a cluster source compiles to, in construction order. */
  async synth(source: ClusterSource): Promise<KubeObject[]> {
    return (await source.synthesize()).map((entry) => entry.object);
  },

  /** The objects `build` creates (after `overlays`), synchronously. */
  objects(build: (scope: Construct, environment: Environment) => unknown, options: TestClusterOptions = {}): MutableObject[] {
    return Testing.cluster(build, options)
      .synthesize()
      .map((entry) => entry.object as MutableObject);
  },

  /**
   * Runs overlays over copies of plain objects, as a cluster would; throws a
   * ConstructValidationError with what they report.
   */
  overlay(objects: readonly KubeObject[], ...overlays: Overlay[]): MutableObject[] {
    const resources: Resource[] = objects.map((object, index) => ({ object: JSON.parse(JSON.stringify(object)) as MutableObject, source: `test/objects/${index}` }));
    const problems: { path: string; message: string }[] = [];
    const result = applyOverlays(resources, overlays, 'test', (path, message) => problems.push({ path, message }));
    if (problems.length > 0) throw new ConstructValidationError('test', problems);
    return result.map((resource) => resource.object);
  },

  /** The one object of `kind` and `name`; throws when there is not exactly one. */
  find(objects: readonly KubeObject[], kind: string, name: string): MutableObject {
    const found = objects.filter((object) => object.kind === kind && object.metadata.name === name);
    if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}`);
    return found[0] as MutableObject;
  },
} as const;
