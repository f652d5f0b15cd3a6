// What the benchmarks read of running processes and of Prometheus pages.
import { readFileSync } from 'node:fs';

/** A process's resident memory in MB (VmRSS), 0 once it has exited. */
export function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** The samples of one metric in a Prometheus text page: each series' labels and value. */
export function samplesOf(text: string, metric: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`))
    .map((line) => ({
      labels: Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1] ?? '', match[2] ?? ''])),
      value: Number(line.slice(line.lastIndexOf(' ') + 1)),
    }));
}
