import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { HealthCheckExpression, HealthCheckReference } from '../api/index.ts';
import type { KubeObject, ManifestSetEntryInput } from '../manifest/index.ts';
import { synthesizeTree } from './_synthesize.ts';
import type { ClusterSource, ProvidedObject, UnitSource } from './cluster-source.ts';
import type { Environment } from './environment.ts';
import { ConstructValidationError, type ConstructProblem } from './errors.ts';
import { applyOverlays, type Overlay } from './overlays/overlay.ts';

/** One unit of a cluster (see {@link ClusterProps.units}). */
export interface UnitProps {
  /** A DNS-1123 label, not `root`: the folder `deploy/<cluster>/<name>/` and the Sync `<cluster>-<name>`. */
  readonly name: string;
  /**
   * Layers whose objects belong to the unit (`<cluster>/<layer>/…`).
   * @default none
   */
  readonly layers?: readonly string[];
  /**
   * Further objects of the unit, e.g. ones an overlay generated (their construct path is
   * `<cluster>/overlays/…`). An object two units claim fails the compile.
   * @default none
   */
  readonly select?: (object: KubeObject, source: string) => boolean;
  /**
   * Units that must be Ready at the same revision before this one is applied.
   * @default none
   */
  readonly dependsOn?: readonly string[];
  /**
   * The unit's Sync waits for its objects to be healthy before it reports Ready, so what
   * depends on it starts on a healthy unit.
   * @default true
   */
  readonly wait?: boolean;
  /**
   * CEL health rules for the kinds of the unit (Flux's `healthCheckExprs`; checked by `strata validate`).
   * @default the root Sync's
   */
  readonly healthCheckExprs?: readonly HealthCheckExpression[];
  /**
   * Objects the unit's Sync waits for without applying them, e.g. what an operator of the unit creates.
   * @default none
   */
  readonly healthChecks?: readonly HealthCheckReference[];
}

/** Adds one component (an app, a base module) to a layer of a cluster's tree. */
export type ComponentBuilder = (scope: Construct, environment: Environment) => unknown;

export interface ClusterProps {
  readonly environment: Environment;
  /**
   * The cluster's name: the root of every construct path and the folder under `deploy/`.
   * @default environment.name
   */
  readonly name?: string;
  /**
   * Components by layer, e.g. `{ base: [networking, security], apps: [checkoutApi] }`.
   * Each layer is a construct under the cluster's chart, so paths read
   * `<cluster>/<layer>/<component>/<object>`. Layers are built in the order given.
   */
  readonly layers: Readonly<Record<string, readonly ComponentBuilder[]>>;
  /**
   * Transforms applied, in order, to the synthesized objects.
   * @default none
   */
  readonly overlays?: readonly Overlay[];
  /**
   * Names the cluster has without the compiled output holding them (a cloud's StorageClass,
   * a Secret an operator creates at run time): `strata validate` accepts references to them.
   * @default none
   */
  readonly provides?: readonly ProvidedObject[];
  /**
   * The units the cluster compiles into, e.g. `infrastructure` (namespaces, CRDs, operators)
   * and `apps` depending on it: each is written to `deploy/<cluster>/<unit>/` and applied by
   * its own Sync, which the compiler generates into the root unit `deploy/<cluster>/root/`
   * (the objects no unit claims, the agent and the root Sync among them).
   * @default none: the cluster is one folder, `deploy/<cluster>/`
   */
  readonly units?: readonly UnitProps[];
}

/**
 * A cluster: an environment, the components it runs and the overlays that adapt them.
 * It is what `clusters/<name>/index.ts` default-exports, and the compiler's input.
 */
export class Cluster implements ClusterSource {
  readonly name: string;
  readonly environment: Environment;
  readonly provides: readonly ProvidedObject[];
  readonly units: readonly UnitSource[];
  private readonly props: ClusterProps;

  constructor(props: ClusterProps) {
    this.props = props;
    this.environment = props.environment;
    this.name = props.name ?? props.environment.name;
    this.provides = props.provides ?? [];
    this.units = (props.units ?? []).map((unit) => unitSource(this.name, unit));
  }

  /**
   * Builds a fresh construct tree: a cdk8s App with one Chart named after the cluster.
   * The stock `app.synth()` works on it too (the benchmark compares both).
   */
  app(): App {
    return this.build((_path, error) => {
      throw error;
    });
  }

  private build(onError: (path: string, error: unknown) => void): App {
    const app = new App({ outdir: 'dist', recordConstructMetadata: false });
    const chart = new Chart(app, this.name, { disableResourceNameHashes: true });
    for (const [layer, components] of Object.entries(this.props.layers)) {
      const scope = new Construct(chart, layer);
      components.forEach((build, index) => {
        try {
          build(scope, this.environment);
        } catch (error) {
          onError(`${scope.node.path}[${index}${build.name ? `: ${build.name}` : ''}]`, error);
        }
      });
    }
    return app;
  }

  /**
   * Builds the tree, validates it, renders every object to JSON and applies the
   * overlays. Throws one ConstructValidationError listing every problem: components
   * that failed to build (e.g. a missing image), construct validations, overlays.
   */
  synthesize(): ManifestSetEntryInput[] {
    // A component that throws while building is reported with the others, not alone.
    const buildProblems: ConstructProblem[] = this.environment.problems().map((message) => ({ path: `${this.name}/environment`, message }));
    buildProblems.push(...this.unitProblems());
    const app = this.build((path, error) => buildProblems.push({ path, message: error instanceof Error ? error.message : String(error), cause: error }));
    const { resources, problems } = synthesizeTree(app);
    const overlayProblems: ConstructProblem[] = [];
    const result = applyOverlays(resources, this.props.overlays ?? [], this.name, (path, message) => overlayProblems.push({ path, message }));
    const all = [...buildProblems, ...problems, ...overlayProblems];
    if (all.length > 0) throw new ConstructValidationError(this.name, all);
    return result.map(({ object, source }) => ({ object, source }));
  }

  /** Units naming a layer the cluster does not have, or a layer two units claim. */
  private unitProblems(): ConstructProblem[] {
    const problems: ConstructProblem[] = [];
    const claimed = new Map<string, string>();
    for (const unit of this.props.units ?? []) {
      for (const layer of unit.layers ?? []) {
        const path = `${this.name}/units/${unit.name}`;
        if (!(layer in this.props.layers)) problems.push({ path, message: `layer ${JSON.stringify(layer)} does not exist (layers: ${Object.keys(this.props.layers).join(', ')})` });
        const other = claimed.get(layer);
        if (other !== undefined) problems.push({ path, message: `layer ${JSON.stringify(layer)} is claimed by the units ${other} and ${unit.name}` });
        else claimed.set(layer, unit.name);
      }
    }
    return problems;
  }
}

function unitSource(cluster: string, unit: UnitProps): UnitSource {
  const prefixes = (unit.layers ?? []).map((layer) => `${cluster}/${layer}/`);
  const select = unit.select;
  return {
    name: unit.name,
    ...(unit.dependsOn === undefined ? {} : { dependsOn: unit.dependsOn }),
    ...(unit.wait === undefined ? {} : { wait: unit.wait }),
    ...(unit.healthCheckExprs === undefined ? {} : { healthCheckExprs: unit.healthCheckExprs }),
    ...(unit.healthChecks === undefined ? {} : { healthChecks: unit.healthChecks }),
    claims: (object, source) => prefixes.some((prefix) => source.startsWith(prefix)) || (select?.(object, source) ?? false),
  };
}
