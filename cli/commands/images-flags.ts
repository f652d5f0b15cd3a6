// Shared flags of the `strata images` subcommands and how they become options.
import { existsSync } from 'node:fs';
import type { Argv } from 'yargs';
import { withOutputOption, type OutputArgs } from '../options.ts';
import { defaultCredentialsFile, readCredentialsFile, RegistryClient, type ImageScanResult } from '../../src/images/index.ts';

export interface ImagesFlags extends OutputArgs {
  env?: string[];
  'registry-config'?: string;
}

export function withImagesFlags<T>(yargs: Argv<T>): Argv<T & ImagesFlags> {
  return withOutputOption(yargs)
    .option('env', { type: 'string', array: true, describe: 'environment (folder of clusters/); repeat for several. Default: every one with an images.json' })
    .option('registry-config', {
      type: 'string',
      describe: 'docker config.json with registry credentials (auths, credHelpers, credsStore). Default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json (when present)',
    }) as Argv<T & ImagesFlags>;
}

/** The registry client for the flags: credentials from --registry-config (required to exist) or the default file (optional). */
export async function clientFor(flags: ImagesFlags): Promise<RegistryClient> {
  const file = flags['registry-config'] ?? defaultCredentialsFile();
  const explicit = flags['registry-config'] !== undefined;
  const credentials = explicit || existsSync(file) ? await readCredentialsFile(file, !explicit) : undefined;
  return new RegistryClient(credentials === undefined ? {} : { credentials });
}

export function environmentsOf(flags: ImagesFlags): string[] | undefined {
  const list = flags.env?.flatMap((value) => value.split(',')).filter((value) => value !== '');
  return list === undefined || list.length === 0 ? undefined : list;
}

/** A result as JSON: errors become their message. */
export function resultJson(result: ImageScanResult): Record<string, unknown> {
  const { error, ...rest } = result;
  return { ...rest, ...(error === undefined ? {} : { error: error.message }) };
}

/** A fixed-width table of the results. */
export function resultTable(results: readonly ImageScanResult[]): string {
  const rows = [['ENVIRONMENT', 'COMPONENT', 'CURRENT', 'LATEST', 'ACTION']];
  for (const r of results) rows.push([r.environment, r.component, r.current, r.latest ?? '-', r.action]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
