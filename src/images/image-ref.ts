/**
 * Image references: `[registry/]repository[:tag][@digest]`, parsed the way
 * docker does (the first path part is a registry when it has a `.` or `:`
 * or is `localhost`; Docker Hub is `docker.io`, reached at `index.docker.io`,
 * and a single-part name there means `library/<name>`).
 */
import { ImageRefError } from './errors.ts';

/** The registry name docker uses for Docker Hub. */
export const DOCKER_HUB = 'docker.io';
/** The host Docker Hub's Distribution API answers on. */
export const DOCKER_HUB_API = 'index.docker.io';

export interface ImageRef {
  /** The name exactly as written, without tag or digest (kept when a tag is rewritten). */
  readonly name: string;
  /** Registry host as written (`docker.io` when none was), with port. */
  readonly registry: string;
  /** Repository path within the registry (`library/nginx` for `nginx`). */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<hex>` when pinned. */
  readonly digest?: string;
}

const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Parses `ref`; throws an `ImageRefError` naming it when it is not a valid reference. */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ImageRefError(ref, `invalid digest "${digest}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ImageRefError(ref, `invalid tag "${tag}"`);
  }
  const name = rest;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let registry = DOCKER_HUB;
  let repository = rest;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    repository = rest.slice(slash + 1);
  }
  if (registry === DOCKER_HUB_API || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (!REPOSITORY.test(repository)) throw new ImageRefError(ref, `invalid repository "${repository}"`);
  return { name, registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** `registry/repository` with Docker Hub names shortened back (`nginx`, `bitnami/redis`). */
export function imageName(ref: Pick<ImageRef, 'registry' | 'repository'>): string {
  if (ref.registry !== DOCKER_HUB) return `${ref.registry}/${ref.repository}`;
  return ref.repository.startsWith('library/') ? ref.repository.slice('library/'.length) : `${DOCKER_HUB}/${ref.repository}`;
}

/** The reference as text: `name[:tag][@digest]`, with the name as it was written. */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.name}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/**
 * The base URL of a registry's Distribution API. Docker Hub maps to
 * `https://index.docker.io`; `localhost` and `127.0.0.1` registries use plain
 * HTTP (as docker treats them as insecure by default), every other one HTTPS.
 */
export function registryBaseUrl(registry: string, insecure?: boolean): URL {
  const host = registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
  const hostname = host.replace(/:\d+$/, '');
  const plain = insecure ?? (hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]');
  return new URL(`${plain ? 'http' : 'https'}://${host}/`);
}
