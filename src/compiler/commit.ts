import { join, relative, resolve } from 'node:path';
import { Git } from '../git/index.ts';
import { synth, type SynthOptions, type SynthResult } from './synth.ts';
import { projectLayout } from './project.ts';

/** Options of {@link commitOutput}: those of synth, plus the commit's author and message head. */
export interface CommitOptions extends SynthOptions {
  /**
   * First line of the commit message.
   * @default `deploy: compile <source commit, short>`
   */
  readonly subject?: string;
}

/** A change of one output file in the commit: a closed set (git's A, M, D). */
export type CommittedChange = 'added' | 'modified' | 'removed';

export interface ClusterChangeSummary {
  readonly cluster: string;
  readonly changes: readonly { readonly file: string; readonly change: CommittedChange }[];
}

export interface CommitResult {
  /** False when the compiled output was already committed: no commit is made. */
  readonly committed: boolean;
  /** The source commit the output was compiled from (HEAD before committing), or `none`. */
  readonly sourceCommit: string;
  /** The new commit, when one was made. */
  readonly commit?: string;
  readonly message?: string;
  readonly clusters: readonly ClusterChangeSummary[];
  readonly synth: SynthResult;
}

/**
 * `strata commit`: synthesizes, stages `deploy/<cluster>/` of every selected cluster
 * (deletions included) and commits only those paths, with a message carrying the
 * source commit and the changed objects per cluster. Nothing to commit: no commit.
 */
export async function commitOutput(options: CommitOptions = {}): Promise<CommitResult> {
  const layout = projectLayout(options.root ?? process.cwd());
  const outDir = resolve(options.outDir ?? join(layout.root, 'deploy'));
  const repo = (await new Git(layout.root).run(['rev-parse', '--show-toplevel'])).trim();
  const git = new Git(repo);
  const sourceCommit = (await git.tryRun(['rev-parse', '--verify', '--quiet', 'HEAD']))?.trim() || 'none';
  const synthResult = await synth(options);
  const paths = synthResult.clusters.map((cluster) => relative(repo, join(outDir, cluster.cluster)) || '.');
  await git.run(['add', '--all', '--', ...paths]);
  const status = await git.run(['diff', '--cached', '--name-status', '--no-renames', '--', ...paths]);
  const clusters = summarize(status, synthResult, repo, outDir);
  if (clusters.every((cluster) => cluster.changes.length === 0)) return { committed: false, sourceCommit, clusters, synth: synthResult };
  const message = commitMessage(options.subject, sourceCommit, clusters);
  await git.run(['commit', '--quiet', '--no-verify', '-m', message, '--', ...paths]);
  const commit = (await git.run(['rev-parse', 'HEAD'])).trim();
  return { committed: true, sourceCommit, commit, message, clusters, synth: synthResult };
}

function summarize(status: string, synthResult: SynthResult, repo: string, outDir: string): ClusterChangeSummary[] {
  const lines = status.split('\n').filter((line) => line.trim() !== '');
  return synthResult.clusters.map((cluster) => {
    const prefix = `${relative(repo, join(outDir, cluster.cluster))}/`;
    const changes = lines
      .map((line) => {
        const [code = '', path = ''] = line.split('\t');
        const change: CommittedChange = code.startsWith('A') ? 'added' : code.startsWith('D') ? 'removed' : 'modified';
        return { file: path, change };
      })
      .filter((entry) => entry.file.startsWith(prefix) && !entry.file.endsWith('/index.json'))
      .map((entry) => ({ file: entry.file.slice(prefix.length), change: entry.change }));
    return { cluster: cluster.cluster, changes };
  });
}

const SIGN: Readonly<Record<CommittedChange, string>> = { added: '+', modified: '~', removed: '-' };

function commitMessage(subject: string | undefined, sourceCommit: string, clusters: readonly ClusterChangeSummary[]): string {
  const lines = [subject ?? `deploy: compile ${sourceCommit === 'none' ? 'initial sources' : sourceCommit.slice(0, 12)}`, '', `Source-Commit: ${sourceCommit}`, ''];
  for (const cluster of clusters) {
    if (cluster.changes.length === 0) continue;
    const count = (change: CommittedChange) => cluster.changes.filter((c) => c.change === change).length;
    lines.push(`${cluster.cluster}: ${count('added')} added, ${count('modified')} changed, ${count('removed')} removed`);
    for (const change of cluster.changes) lines.push(`  ${SIGN[change.change]} ${change.file}`);
  }
  return `${lines.join('\n')}\n`;
}
