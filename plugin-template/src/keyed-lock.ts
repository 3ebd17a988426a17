/**
 * Runs tasks one at a time per key, in arrival order; different keys run in parallel.
 * @packageDocumentation
 */

const tails = new Map<string, Promise<unknown>>();

/**
 * Runs `task` once every earlier task of `key` in this process has settled. Module-level, so all
 * sinks in one process that write the same URL share the queue.
 */
export async function withKeyLock<T>(key: string, task: () => Promise<T>): Promise<T> {
  const before = tails.get(key) ?? Promise.resolve();
  const run = before.then(task, task);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    if (tails.get(key) === tail) tails.delete(key);
  }
}
