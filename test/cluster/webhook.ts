// A real validating (or mutating) admission webhook on 127.0.0.1 for tests: kube-apiserver calls it (over
// TLS, with a throwaway self-signed certificate made by openssl) before it stores an object,
// and the test's handler runs first. So a test can act at an exact point inside another
// client's sequence of requests, e.g. edit one object between two writes of an apply.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What the API server asks about one request (the parts tests use). */
export interface AdmissionRequest {
  readonly uid: string;
  readonly operation: string;
  readonly dryRun?: boolean;
  readonly namespace?: string;
  readonly name?: string;
  readonly kind: { readonly group: string; readonly version: string; readonly kind: string };
  readonly userInfo?: { readonly username?: string };
  /** The object as it would be stored (CREATE, UPDATE). */
  readonly object?: Record<string, unknown>;
}

/** One JSON Patch operation a mutating webhook answers with. */
export interface PatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

export interface AdmissionWebhook {
  /** The `clientConfig` of a webhook configuration: the URL and the CA to trust. */
  readonly clientConfig: { readonly url: string; readonly caBundle: string };
  close(): Promise<void>;
}

/**
 * Starts an HTTPS server answering AdmissionReviews; `handle` runs before each answer (allowed).
 * As a mutating webhook, `handle` returns the JSON Patch to apply to the object.
 */
export async function startAdmissionWebhook(handle: (request: AdmissionRequest) => Promise<void | readonly PatchOperation[]>): Promise<AdmissionWebhook> {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-webhook-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  const cert = readFileSync(certFile);
  const server = https.createServer({ key: readFileSync(keyFile), cert }, (request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const review = JSON.parse(body) as { request: AdmissionRequest };
      const answer = (patch?: void | readonly PatchOperation[]): void => {
        response.setHeader('content-type', 'application/json');
        const mutation = patch && patch.length > 0 ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') } : {};
        response.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, ...mutation } }));
      };
      handle(review.request).then(answer, () => answer());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rmSync(dir, { recursive: true, force: true });
  const port = (server.address() as { port: number }).port;
  return {
    clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: cert.toString('base64') },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
