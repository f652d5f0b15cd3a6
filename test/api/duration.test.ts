import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/api/index.ts';

describe('formatDuration', () => {
  it('writes what a person reads: milliseconds, tenths of seconds under a minute, then whole units', () => {
    expect(formatDuration(0)).toBe('0ms');
    expect(formatDuration(250.4)).toBe('250ms');
    expect(formatDuration(999.6)).toBe('1s');
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(1540)).toBe('1.5s');
    expect(formatDuration(59_960)).toBe('1m');
    // The figure of the issue: a Sync's remaining timeout when its health check gave up.
    expect(formatDuration(178188.114083)).toBe('2m58s');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(3_725_000)).toBe('1h2m5s');
    expect(formatDuration(3_600_000)).toBe('1h');
  });

  it('writes Go durations that parseDuration reads back', () => {
    for (const ms of [0, 7, 999, 1000, 1500, 42_300, 60_000, 178_000, 3_600_000, 90_061_000]) {
      expect(parseDuration(formatDuration(ms)), formatDuration(ms)).toBe(ms);
    }
  });
});
