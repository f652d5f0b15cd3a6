import { describe, expect, it } from 'vitest';
import { ALL_TOOLS, buildTools, TestToolsError, TOOL_MODULES } from './tools.ts';

describe('the test tools', () => {
  it('leave the benchmarks’ peers (Flux’s controllers) out of what the test suite needs and builds', () => {
    expect(ALL_TOOLS).toContain('kube-apiserver');
    expect(ALL_TOOLS).not.toContain('source-controller');
    expect(ALL_TOOLS).not.toContain('kustomize-controller');
    expect(ALL_TOOLS).not.toContain('notification-controller');
    expect(TOOL_MODULES.filter((module) => module.benchOnly).map((module) => module.name)).toEqual(['flux-source', 'flux-kustomize', 'flux-notification']);
  });

  it('refuse a module name they do not know, naming the known ones, before building anything', async () => {
    const lines: string[] = [];
    const build = buildTools({ modules: ['etcd', 'flux-sorce'], log: (line) => lines.push(line) });
    await expect(build).rejects.toThrow(TestToolsError);
    await expect(build).rejects.toThrow(/unknown tool module\(s\) flux-sorce; known: kubernetes, etcd, kwok, sops, flux-source, flux-kustomize, flux-notification/);
    expect(lines).toEqual([]);
  });
});
