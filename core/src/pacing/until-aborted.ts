/**
 * Settles as `work` does, or rejects with `signal`'s reason as soon as it aborts, whichever comes first.
 *
 * For work that cannot be called off (a report already on its way, a conversion in a worker thread): the caller
 * stops waiting and `work` runs out. Its late result goes to `discard` (to remove what it leaves behind); a late
 * rejection is dropped, never unhandled. Rejects at once when `signal` has already aborted.
 * @public
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, discard?: (late: T) => void): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      work.then((late) => discard?.(late), () => {});
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
