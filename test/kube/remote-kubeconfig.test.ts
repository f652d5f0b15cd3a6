// The kubeconfig of a Sync's spec.kubeConfig Secret: inline credentials only, errors that name
// the Secret and key and never quote the text, and the credentials returned for masking.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeConfigError, parseRemoteKubeConfig } from '../../src/kube/index.ts';

const config = (user: Record<string, unknown>, cluster: Record<string, unknown> = { server: 'https://10.0.0.1:6443', 'certificate-authority-data': 'Q0E=' }): string =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });

const refusal = (text: string): string => {
  try {
    parseRemoteKubeConfig(text, 'shop/remote', 'value');
  } catch (error) {
    expect(error).toBeInstanceOf(KubeConfigError);
    return (error as Error).message;
  }
  throw new Error('not refused');
};

describe('parseRemoteKubeConfig', () => {
  it('reads the current context and returns its credentials for masking', () => {
    const key = Buffer.from('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n').toString('base64');
    const parsed = parseRemoteKubeConfig(config({ token: 'tok-123456', 'client-certificate-data': 'Q0VSVA==', 'client-key-data': key }), 'shop/remote', 'value');
    expect(parsed.server).toBe('https://10.0.0.1:6443');
    expect(parsed.kubeConfig.getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
    expect(parsed.credentials).toContain('tok-123456');
    expect(parsed.credentials).toContain(key);
    expect(parsed.credentials.some((value) => value.includes('BEGIN PRIVATE KEY'))).toBe(true);
  });

  it('refuses programs and files of the agent, naming the Secret, the key and the field', () => {
    for (const field of ['exec', 'auth-provider', 'tokenFile', 'client-key', 'client-certificate']) {
      expect(refusal(config({ [field]: field === 'exec' ? { command: 'sh' } : '/etc/passwd' }))).toContain(`Secret shop/remote key "value": user field "${field}" is refused`);
    }
    expect(refusal(config({ token: 't' }, { server: 'https://x', 'certificate-authority': '/etc/ca.pem' }))).toContain('certificate-authority names a file of the agent');
  });

  it('never quotes the text in its errors', () => {
    const message = refusal("users: 's3cr3t-token-value\n");
    expect(message).toContain('Secret shop/remote key "value": not a kubeconfig: invalid YAML at line');
    expect(message).not.toContain('s3cr3t');
    expect(refusal('just-a-s3cr3t-string')).not.toContain('s3cr3t');
    expect(refusal(stringify({ 'current-context': 'gone', contexts: [] }))).toContain('no context "gone"');
  });
});
