/**
 * A shared allowance of bytes that callers take while they hold data in memory and give back when
 * they let go of it. Taking never waits: a caller refused more goes to disk instead, so the bytes
 * held at once stay within the budget however many filings run together.
 * @public
 */
export class MemoryBudget {
  private used = 0;

  /** @param limit Most bytes held at once. */
  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`MemoryBudget limit: expected a whole number of bytes >= 0, found ${limit}`);
  }

  /** Takes `bytes` when they fit; returns false (taking nothing) when they do not. */
  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  /** Gives back `bytes` taken earlier. Throws `RangeError` for more than is taken (a bookkeeping bug). */
  give(bytes: number): void {
    if (bytes > this.used) throw new RangeError(`MemoryBudget: ${bytes} bytes given back, only ${this.used} taken`);
    this.used -= bytes;
  }

  /** Bytes taken now. */
  get inUse(): number {
    return this.used;
  }
}
