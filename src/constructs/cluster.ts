import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { ManifestSetEntryInput } from '../manifest/index.ts';
import { synthesizeTree } from './_synthesize.ts';
import type { ClusterSource, ProvidedObject } from './cluster-source.ts';
import type { Environment } from './environment.ts';
import { ConstructValidationError, type ConstructProblem } from './errors.ts';
import { applyOverlays, type Overlay } from './overlays/overlay.ts';

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
}

/**
 * A cluster: an environment, the components it runs and the overlays that adapt them.
 * It is what `clusters/<name>/index.ts` default-exports, and the compiler's input.
 */
export class Cluster implements ClusterSource {
  readonly name: string;
  readonly environment: Environment;
  readonly provides: readonly ProvidedObject[];
  private readonly props: ClusterProps;

  constructor(props: ClusterProps) {
    this.props = props;
    this.environment = props.environment;
    this.name = props.name ?? props.environment.name;
    this.provides = props.provides ?? [];
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
    const app = this.build((path, error) => buildProblems.push({ path, message: error instanceof Error ? error.message : String(error), cause: error }));
    const { resources, problems } = synthesizeTree(app);
    const overlayProblems: ConstructProblem[] = [];
    const result = applyOverlays(resources, this.props.overlays ?? [], this.name, (path, message) => overlayProblems.push({ path, message }));
    const all = [...buildProblems, ...problems, ...overlayProblems];
    if (all.length > 0) throw new ConstructValidationError(this.name, all);
    return result.map(({ object, source }) => ({ object, source }));
  }
}
