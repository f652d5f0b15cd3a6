import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../src/kube/work-queue.ts';

/** A run that ends when the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WorkQueue', () => {
  it('never runs one key twice at once; an add while it runs runs it once more afterwards', async () => {
    const runs: string[] = [];
    const gates: ReturnType<typeof gate>[] = [];
    const queue = new WorkQueue({
      concurrency: 4,
      onError: () => undefined,
      run: async (key) => {
        runs.push(key);
        const g = gate();
        gates.push(g);
        await g.promise;
      },
    });
    queue.add('a');
    queue.add('a'); // queued already: one run
    await tick();
    expect(runs).toEqual(['a']);
    expect(queue.isRunning('a')).toBe(true);
    queue.add('a');
    queue.add('a'); // running: once more after, however often
    await tick();
    expect(runs).toEqual(['a']);
    gates[0]?.open();
    await tick();
    expect(runs).toEqual(['a', 'a']);
    gates[1]?.open();
    await tick();
    expect(runs).toEqual(['a', 'a']);
    expect(queue.isRunning('a')).toBe(false);
    await queue.stop();
  });

  it('runs at most `concurrency` keys at once, in the order they were added', async () => {
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const queue = new WorkQueue({
      concurrency: 2,
      onError: () => undefined,
      run: async (key) => {
        started.push(key);
        const g = gate();
        gates.set(key, g);
        await g.promise;
      },
    });
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await tick();
    expect(started).toEqual(['a', 'b']);
    gates.get('b')?.open();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    queue.forget('d'); // dropped from the queue: never runs
    gates.get('a')?.open();
    gates.get('c')?.open();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    await queue.stop();
  });

  it('replaces a delayed add by a later one, and stop cancels it and waits for the runs in progress', async () => {
    const runs: string[] = [];
    let release = (): void => undefined;
    const queue = new WorkQueue({
      concurrency: 1,
      onError: () => undefined,
      run: async (key) => {
        runs.push(key);
        if (key === 'slow') await new Promise<void>((resolve) => (release = resolve));
      },
    });
    queue.addAfter('a', 10_000);
    queue.addAfter('a', 5); // replaces the first
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toEqual(['a']);
    queue.add('slow');
    queue.addAfter('late', 5);
    await tick();
    let stopped = false;
    const stopping = queue.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stopped).toBe(false); // waits for the run of `slow`
    release();
    await stopping;
    expect(runs).toEqual(['a', 'slow']); // `late` was cancelled
    queue.add('after-stop');
    await tick();
    expect(runs).toEqual(['a', 'slow']);
  });

  it('reports a run that throws and goes on with the other keys', async () => {
    const errors: string[] = [];
    const runs: string[] = [];
    const queue = new WorkQueue({
      concurrency: 1,
      onError: (key, error) => errors.push(`${key}: ${(error as Error).message}`),
      run: async (key) => {
        runs.push(key);
        if (key === 'bad') throw new Error('boom');
      },
    });
    queue.add('bad');
    queue.add('good');
    await tick();
    await tick();
    expect(errors).toEqual(['bad: boom']);
    expect(runs).toEqual(['bad', 'good']);
    await queue.stop();
  });
});
