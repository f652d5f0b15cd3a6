import { createRequire } from 'node:module';
import type { OutputFormat } from './options.ts';

/** Colour is on when stdout is a terminal and NO_COLOR is unset (https://no-color.org), or FORCE_COLOR is set. */
export function colourEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '') return false;
  if (process.env['FORCE_COLOR'] !== undefined && process.env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
export type Colour = keyof typeof CODES;

export function paint(text: string, colour: Colour, enabled = colourEnabled()): string {
  return enabled ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

/** Writes data for programs in the chosen format; `text` calls the given printer. */
export function printData(format: OutputFormat, data: unknown, text: () => string): void {
  if (format === 'json') process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  // Loaded for -o yaml only: the yaml library costs about 50 ms of CPU to load, a third of `strata --help`.
  else if (format === 'yaml') process.stdout.write((createRequire(import.meta.url)('yaml') as typeof import('yaml')).stringify(data, { lineWidth: 0 }));
  else {
    const out = text();
    if (out !== '') process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
  }
}

/**
 * Progress on stderr, only on a terminal and only once work has taken over a second:
 * quick runs and pipes stay quiet.
 */
export class Progress {
  private readonly started = Date.now();
  private message = '';
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private readonly enabled = process.stderr.isTTY === true;

  constructor() {
    if (this.enabled) {
      this.timer = setInterval(() => this.render(), 250);
      this.timer.unref();
    }
  }

  update(message: string): void {
    this.message = message;
    if (this.shown) this.render();
  }

  private render(): void {
    if (Date.now() - this.started < 1000 || this.message === '') return;
    this.shown = true;
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    process.stderr.write(`\r\u001b[2K${this.message} (${seconds}s)`);
  }

  done(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.shown) process.stderr.write('\r\u001b[2K');
  }
}
