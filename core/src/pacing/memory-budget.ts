/**
 * A shared allowance of bytes that callers take while they hold data in memory and give back when
 * they let go of it. {@link MemoryBudget.take} waits for room (admission: fewer large items at once);
 * {@link MemoryBudget.tryTake} never waits (a caller refused more goes to disk instead). Either way the
 * bytes held at once stay within the limit however many callers run together.
 * @public
 */
export class MemoryBudget {
  private used = 0;
  private readonly waiters: { bytes: number; resolve: () => void }[] = [];

  /** @param limit Most bytes held at once. */
  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`MemoryBudget limit: expected a whole number of bytes >= 0, found ${limit}`);
  }

  /**
   * Takes `bytes` (at most the whole limit) once they fit, first come first served, and resolves with
   * the bytes taken. Rejects with the signal's reason, taking nothing, when `signal` fires first.
   */
  async take(bytes: number, signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const wanted = Math.min(Math.max(0, bytes), this.limit);
    if (this.waiters.length === 0 && this.used + wanted <= this.limit) {
      this.used += wanted;
      return wanted;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        reject(signal!.reason);
        // It may have been the one blocking those behind it.
        this.wake();
      };
      const waiter = {
        bytes: wanted,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return wanted;
  }

  /** Takes `bytes` when they fit and nobody waits; returns false (taking nothing) otherwise. */
  tryTake(bytes: number): boolean {
    if (this.waiters.length > 0 || this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  /** Gives back `bytes` taken earlier. Throws `RangeError` for more than is taken (a bookkeeping bug). */
  give(bytes: number): void {
    if (bytes > this.used) throw new RangeError(`MemoryBudget: ${bytes} bytes given back, only ${this.used} taken`);
    this.used -= bytes;
    this.wake();
  }

  /** Bytes taken now. */
  get inUse(): number {
    return this.used;
  }

  /** Lets waiters in, in order, while the first one fits. */
  private wake(): void {
    while (this.waiters.length > 0 && this.used + this.waiters[0]!.bytes <= this.limit) {
      const next = this.waiters.shift()!;
      this.used += next.bytes;
      next.resolve();
    }
  }
}
