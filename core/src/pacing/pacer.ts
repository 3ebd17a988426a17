import PQueue from 'p-queue';

/** Options of a {@link Pacer}. */
export interface PacerOptions {
  /**
   * Most calls started per second, e.g. `2` for Egnyte's default per-token limit. May be
   * fractional (`0.5` is one call every two seconds). Omit for no rate limit.
   */
  callsPerSecond?: number;
  /** Most calls in flight at once. Omit for no limit. */
  concurrency?: number;
}

/**
 * Spaces the calls a sink makes to one service account so that it stays under the service's
 * published rate limit, instead of running into throttling replies and being retried.
 *
 * Shared by every sink whose service publishes a per-token rate (Egnyte's QPS, ProjectWise
 * connectors' calls per minute). One pacer per account: the factory keeps it, all targets of
 * that account use it. Built on `p-queue` (sliding-window rate limiting).
 * @public
 */
export class Pacer {
  private readonly queue: PQueue;
  private resumeTimer: NodeJS.Timeout | undefined;
  private resumeAt = 0;

  constructor(options: PacerOptions = {}) {
    const { callsPerSecond, concurrency } = options;
    if (callsPerSecond !== undefined && !(callsPerSecond > 0 && Number.isFinite(callsPerSecond))) {
      throw new RangeError(`callsPerSecond must be a positive number, got ${callsPerSecond}.`);
    }
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}.`);
    }
    this.queue = new PQueue({
      concurrency: concurrency ?? Number.POSITIVE_INFINITY,
      // One start per 1/qps seconds, in a sliding window: even spacing, no bursts at window edges.
      ...(callsPerSecond === undefined ? {} : { intervalCap: 1, interval: Math.ceil(1000 / callsPerSecond), strict: true }),
    });
  }

  /**
   * Runs `call` when the rate allows. Resolves or rejects as `call` does; rejects with an
   * `AbortError` when `signal` fires before the call starts (a started call must watch the signal itself).
   */
  run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.queue.add(call, { signal });
  }

  /**
   * Starts no further call for `ms` milliseconds, because the service said so (`Retry-After`
   * on a throttling reply). A longer hold already in force is kept. Calls in flight go on.
   */
  holdFor(ms: number): void {
    const until = Date.now() + Math.max(0, ms);
    if (until <= this.resumeAt) return;
    this.resumeAt = until;
    this.queue.pause();
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.queue.start();
    }, until - Date.now());
    // A hold must not keep the process alive on its own.
    this.resumeTimer.unref();
  }

  /** Calls waiting for their turn. */
  get waiting(): number {
    return this.queue.size;
  }

  /** Drops waiting calls' timers; calls already started go on. Never throws. */
  dispose(): void {
    clearTimeout(this.resumeTimer);
    this.queue.start();
  }
}
