// Child processes of the test cluster: each runs in a process group of its own, logs to a
// file, and is killed with its whole group on stop, on exit of this process, and — through a
// watchdog — even when this process is killed with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Options of {@link startProcess}. */
export interface ProcessProps {
  /** Name used in logs and errors, e.g. `etcd`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** File that receives stdout and stderr (appended). */
  readonly logFile: string;
  /**
   * Working directory.
   * @default the current directory
   */
  readonly cwd?: string;
  /**
   * Extra environment variables.
   * @default none
   */
  readonly env?: Readonly<Record<string, string>>;
  /** The registry that tracks the process for the watchdog and the exit hook. */
  readonly registry: ProcessRegistry;
}

/** A running child process and its process group. */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private readonly registry: ProcessRegistry;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  /** @internal use {@link startProcess} */
  constructor(props: ProcessProps) {
    this.name = props.name;
    this.logFile = props.logFile;
    this.registry = props.registry;
    const fd = openSync(props.logFile, 'a');
    try {
      this.child = spawn(props.command, [...props.args], {
        cwd: props.cwd,
        env: { ...process.env, ...props.env },
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    if (this.child.pid === undefined) {
      throw new Error(`${props.name}: could not start ${props.command}`);
    }
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.registry.forget(this.pid);
        resolve();
      });
      this.child.on('error', () => resolve());
    });
    this.registry.track(this.pid);
  }

  /** True while the process has not exited. */
  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** How the process ended, for error messages. */
  describeExit(): string {
    if (!this.exitInfo) return 'running';
    return this.exitInfo.signal ? `killed by ${this.exitInfo.signal}` : `exited with code ${this.exitInfo.code}`;
  }

  /** The last lines of the process log. */
  logTail(lines = 30): string {
    if (!existsSync(this.logFile)) return '';
    return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Resolves when the process has exited. */
  wait(): Promise<void> {
    return this.exited;
  }

  /**
   * Stops the whole process group: SIGTERM, then SIGKILL after `graceMs`.
   * Resolves once the process has exited.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    killGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.pid, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Anything the process left in its group goes too.
    killGroup(this.pid, 'SIGKILL');
  }

  /** Kills the process group at once (a crash, for fault tests). */
  async kill(): Promise<void> {
    killGroup(this.pid, 'SIGKILL');
    await this.exited;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Starts a child process in a new process group. */
export function startProcess(props: ProcessProps): ManagedProcess {
  return new ManagedProcess(props);
}

const WATCHDOG = `
parent="$1"; dir="$2"; remove="$3"
while kill -0 "$parent" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
if [ -f "$dir/pgids" ]; then
  while read -r g; do [ -n "$g" ] && kill -KILL -- "-$g" 2>/dev/null; done < "$dir/pgids"
fi
if [ "$remove" = 1 ]; then rm -rf "$dir"; fi
`;

const liveRegistries = new Set<ProcessRegistry>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const r of liveRegistries) r.killAllSync();
  });
}

/**
 * The process groups of one cluster, written to `<dir>/pgids` for a watchdog shell that kills
 * them and removes `dir` when this Node process dies, however it dies.
 */
export class ProcessRegistry {
  private readonly pgids = new Set<number>();
  private watchdog: ChildProcess | undefined;

  constructor(
    /** The cluster's temporary directory; removed by the watchdog after a crash. */
    readonly dir: string,
    private readonly removeDirOnExit: boolean,
  ) {
    installExitHook();
    liveRegistries.add(this);
    this.write();
    this.watchdog = spawn('bash', ['-c', WATCHDOG, 'strata-cluster-watchdog', String(process.pid), dir, removeDirOnExit ? '1' : '0'], {
      detached: true,
      stdio: 'ignore',
    });
    this.watchdog.unref();
  }

  track(pgid: number): void {
    this.pgids.add(pgid);
    this.write();
  }

  forget(pgid: number): void {
    this.pgids.delete(pgid);
    this.write();
  }

  /** Process group ids still tracked. */
  list(): number[] {
    return [...this.pgids];
  }

  private write(): void {
    if (!existsSync(this.dir)) return;
    writeFileSync(join(this.dir, 'pgids'), [...this.pgids].map((p) => `${p}\n`).join(''));
  }

  /** Kills every tracked group and the watchdog; used by the exit hook. */
  killAllSync(): void {
    for (const pgid of this.pgids) killGroup(pgid, 'SIGKILL');
    this.pgids.clear();
    this.close();
    if (this.removeDirOnExit) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Ends the watchdog once the cluster was stopped in order. */
  close(): void {
    liveRegistries.delete(this);
    if (this.watchdog?.pid !== undefined) killGroup(this.watchdog.pid, 'SIGKILL');
    this.watchdog = undefined;
  }
}
