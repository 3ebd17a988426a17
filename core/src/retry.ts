import { setTimeout as sleep } from 'node:timers/promises';
import { LeaseLost } from './contracts/lease.js';
import { FilingSyncError, toFilingSyncError } from './errors.js';

/**
 * How failed attempts are retried: exponential backoff with full jitter, never sooner than a
 * service's `Retry-After`.
 * @public
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff before the second attempt, in ms; doubled for each further attempt. */
  baseDelayMs: number;
  /** Longest backoff, in ms (a longer `Retry-After` is still honoured). */
  maxDelayMs: number;
}

/** The engine's default: 6 attempts, 0.5 s doubling up to 30 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1): a random value in
 * `[0, min(maxDelay, base * 2^(attempt-1))]`, raised to `retryAfterMs` when the service asked for more.
 * @public
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

/** Options of {@link retrying}. */
export interface RetryOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log or count retries. */
  onRetry?: (error: FilingSyncError, attempt: number, delayMs: number) => void;
}

/**
 * Runs `fn` until it succeeds, retrying {@link TransientError}s by `policy`. Any other error, a
 * {@link LeaseLost}, the last transient one, or an abort, rejects at once. Errors are mapped into the taxonomy first.
 * @public
 */
export async function retrying<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (raw) {
      if (options.signal?.aborted) throw raw;
      const err = toFilingSyncError(raw);
      // A lost lease is transient for the connector (it stands by and takes the lease again), but retrying the
      // request that was refused for it would only be refused again.
      if (err.kind !== 'transient' || err instanceof LeaseLost || attempt >= options.policy.maxAttempts) throw err;
      const delay = backoffDelay(options.policy, attempt, (err as { retryAfterMs?: number }).retryAfterMs);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, undefined, { signal: options.signal });
    }
  }
}
