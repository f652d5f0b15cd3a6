import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { refOf, splitApiVersion, type KubeObject } from '../manifest/index.ts';
import type { ObjectProblem } from './errors.ts';

/** One object to validate, with where it is written and where it came from. */
export interface SchemaTarget {
  readonly object: KubeObject;
  /** File of the object, relative to the project root, e.g. `deploy/production/shop/deployment-api.yaml`. */
  readonly file: string;
  /** Construct path. */
  readonly source: string;
}

/** The CRDs whose kinds the construct library imports (Flagger, Prometheus operator), shipped with it. */
export const LIBRARY_CRD_DIR = fileURLToPath(new URL('../constructs/imports/crds', import.meta.url));

/** Options of {@link SchemaValidator}. */
export interface SchemaValidatorOptions {
  /**
   * Folders of CustomResourceDefinition YAML files whose schemas validate custom objects.
   * @default [LIBRARY_CRD_DIR]
   */
  readonly crdDirs?: readonly string[];
  /**
   * Report an object whose kind has no known schema as a problem.
   * @default true
   */
  readonly requireSchemas?: boolean;
}

type Check = (object: KubeObject) => ErrorObject[];

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/**
 * Validates objects offline against the Kubernetes OpenAPI schemas shipped by the
 * `kubernetes-models` package (ajv-compiled validators) and against the
 * openAPIV3Schema of CRDs (compiled with ajv); no network.
 */
export class SchemaValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
  private readonly custom = new Map<string, ValidateFunction>();
  private readonly builtin = new Map<string, Check | undefined>();
  private readonly requireSchemas: boolean;

  constructor(options: SchemaValidatorOptions = {}) {
    (addFormats as unknown as (ajv: Ajv) => void)(this.ajv);
    for (const format of ['int32', 'int64', 'byte', 'quantity', 'int-or-string', 'double', 'float']) this.ajv.addFormat(format, true);
    this.requireSchemas = options.requireSchemas ?? true;
    for (const dir of options.crdDirs ?? [LIBRARY_CRD_DIR]) {
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).sort()) {
        if (!/\.ya?ml$/.test(name)) continue;
        for (const document of parseAllDocuments(readFileSync(join(dir, name), 'utf8'))) {
          const value: unknown = document.toJS();
          if (isCrd(value)) this.addCrd(value);
        }
      }
    }
  }

  /** Adds the schemas of one CustomResourceDefinition (each served version). */
  addCrd(crd: CrdShape): void {
    const { group, names, versions } = crd.spec;
    for (const version of versions ?? []) {
      const schema = version.schema?.openAPIV3Schema;
      if (!schema) continue;
      this.custom.set(`${group}/${version.name}/${names.kind}`, this.ajv.compile(portableSchema(schema)));
    }
  }

  /** Every problem of every object: file, object, JSON path and construct. */
  async validate(targets: readonly SchemaTarget[]): Promise<ObjectProblem[]> {
    const problems: ObjectProblem[] = [];
    for (const target of targets) {
      if (target.object.kind === 'CustomResourceDefinition' && isCrd(target.object)) this.addCrd(target.object);
    }
    for (const target of targets) {
      const ref = refOf(target.object);
      const check = await this.checkFor(target.object);
      if (!check) {
        if (this.requireSchemas) {
          problems.push({ file: target.file, source: target.source, ref, field: 'apiVersion', message: `no schema known for ${target.object.apiVersion} ${target.object.kind} (add its CRD under src/constructs/imports/crds/)` });
        }
        continue;
      }
      for (const error of relevantErrors(check(target.object))) {
        problems.push({ file: target.file, source: target.source, ref, field: jsonPath(error), message: messageOf(error) });
      }
    }
    return problems;
  }

  private async checkFor(object: KubeObject): Promise<Check | undefined> {
    const { group, version } = splitApiVersion(object.apiVersion);
    const key = `${group}/${version}/${object.kind}`;
    const custom = this.custom.get(key);
    if (custom) {
      return (value) => (custom(value) ? [] : [...(custom.errors ?? [])]);
    }
    if (this.builtin.has(key)) return this.builtin.get(key);
    const check = await loadBuiltin(group, version, object.kind);
    this.builtin.set(key, check);
    return check;
  }
}

async function loadBuiltin(group: string, version: string, kind: string): Promise<Check | undefined> {
  if (!/^[A-Za-z0-9.-]*$/.test(group) || !/^[a-z0-9]+$/.test(version) || !/^[A-Za-z0-9]+$/.test(kind)) return undefined;
  const specifier = group === '' ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
  let model: ModelClass | undefined;
  try {
    model = ((await import(specifier)) as Record<string, ModelClass | undefined>)[kind];
  } catch {
    return undefined;
  }
  if (!model) return undefined;
  const Model = model;
  return (object) => {
    try {
      new Model(object).validate();
      return [];
    } catch (error) {
      const errors = (error as { errors?: ErrorObject[] }).errors;
      if (Array.isArray(errors)) return errors;
      throw error;
    }
  };
}

/**
 * Drops the noise of the schemas' `oneOf: [<schema>, {type: null}]` wrappers: the
 * "must be null" and "must match exactly one schema" errors that accompany the real one.
 */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const kept = errors.filter((error) => error.keyword !== 'oneOf' && !(error.keyword === 'type' && (error.params as { type?: unknown }).type === 'null'));
  const unique = new Map<string, ErrorObject>();
  for (const error of kept.length > 0 ? kept : errors) unique.set(`${error.instancePath} ${messageOf(error)}`, error);
  return [...unique.values()];
}

function messageOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be ${String(params['type'])}`;
    case 'required':
      return `must have the field ${JSON.stringify(params['missingProperty'])}`;
    case 'enum':
      return `must be one of ${JSON.stringify(params['allowedValues'])}`;
    case 'additionalProperties':
      return `has an unknown field ${JSON.stringify(params['additionalProperty'])}`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`. */
export function jsonPath(error: Pick<ErrorObject, 'instancePath' | 'keyword' | 'params'>): string {
  const segments = error.instancePath.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path === '' ? '(object)' : path;
}

/**
 * CRD schemas use Go (RE2) regular expressions; the few that JavaScript cannot
 * compile (inline flags like `(?i)`) are dropped rather than failing the whole schema.
 */
function portableSchema(schema: object): object {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) => {
    if (key === 'pattern' && typeof value === 'string') {
      try {
        new RegExp(value, 'u');
      } catch {
        return undefined;
      }
    }
    return value;
  }) as object;
}

interface CrdShape {
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string };
    readonly versions?: readonly { readonly name: string; readonly schema?: { readonly openAPIV3Schema?: object } }[];
  };
}

function isCrd(value: unknown): value is CrdShape & KubeObject {
  const candidate = value as { kind?: unknown; spec?: { group?: unknown; names?: { kind?: unknown } } } | null;
  return candidate?.kind === 'CustomResourceDefinition' && typeof candidate.spec?.group === 'string' && typeof candidate.spec.names?.kind === 'string';
}
