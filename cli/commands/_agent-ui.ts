// `strata agent --ui`: the web UI's pages beside the agent, read-only, over the agent's own
// credentials, every request behind the bearer token of --ui-token-file. Kept apart from the
// agent itself (src/agent/) so the agent runs the same with or without it.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { loadKubeConfig } from '../../src/kube/index.ts';
import { UiServer } from '../../src/ui/index.ts';
import { ExitError } from '../errors.ts';

export interface AgentUiOptions {
  readonly kubeconfig: string | undefined;
  readonly token: string;
  readonly port: number;
  readonly address: string;
}

/** The token of --ui-token-file, read before the agent starts so a bad one stops nothing half-way. */
export function readUiToken(file: string | undefined): string {
  if (!file) throw new ExitError('--ui needs --ui-token-file: the pages are served only behind a bearer token', 2);
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ExitError(`--ui-token-file ${file}: ${(error as Error).message}`, 2);
  }
  if (token.length < 16) throw new ExitError(`--ui-token-file ${file}: the token must be at least 16 characters`, 2);
  return token;
}

export async function startAgentUi(options: AgentUiOptions): Promise<UiServer> {
  const kubeConfig = loadKubeConfig(options.kubeconfig);
  const server = new UiServer({ contexts: [{ name: kubeConfig.getCurrentContext() || 'in-cluster', kubeConfig }], log: pino({ level: process.env.LOG_LEVEL ?? 'info' }), readOnly: true, token: options.token });
  const url = await server.listen(options.port, options.address);
  process.stderr.write(`► Strata UI (read-only) on ${url}\n`);
  return server;
}
