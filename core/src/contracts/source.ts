import type { Readable } from 'node:stream';
import type { Filing, Location, TargetOutcome } from './filing.js';
import type { Lease } from './lease.js';

/**
 * Token of the {@link Source} the engine drains.
 * @public
 */
export const Source = Symbol.for('filing-sync.Source');

/**
 * Where filings come from: the filing service of one tenant.
 *
 * Delivery is at-least-once: a filing polled but not reported within the visibility timeout is
 * delivered again. Every method takes an `AbortSignal` and rejects with an `AbortError` when it fires.
 * Failures are typed: {@link AuthError} (token refused), {@link TransientError} (retry),
 * {@link ConfigError} (bad URL or tenant).
 * @public
 */
export interface Source {
  /**
   * Acquires the tenant sync lease for `holder` for `ttlMs`.
   * Rejects with {@link LeaseHeld} (holder and expiry) when another holder has it.
   */
  acquireLease(holder: string, ttlMs: number, signal?: AbortSignal): Promise<Lease>;
  /**
   * Extends our lease by `ttlMs` from now. Rejects with {@link LeaseLost} when it lapsed or was taken.
   */
  renewLease(lease: Lease, ttlMs: number, signal?: AbortSignal): Promise<Lease>;
  /** Gives the lease up. Never rejects for a lease that is already gone. */
  releaseLease(lease: Lease, signal?: AbortSignal): Promise<void>;
  /**
   * Reserves up to `max` pending filings for the visibility timeout and returns them (possibly none).
   * Rejects with {@link LeaseLost} when the lease is no longer ours.
   */
  poll(lease: Lease, max: number, signal?: AbortSignal): Promise<Filing[]>;
  /**
   * The raw RFC 5322 bytes of a filing's message, as a stream.
   * Rejects with {@link PermanentError} when the service no longer has the message.
   */
  content(lease: Lease, filing: Filing, signal?: AbortSignal): Promise<Readable>;
  /**
   * Reports the final outcome of every target of a filing; the service then removes it from the queue.
   * Idempotent: reporting the same filing again is accepted. Rejects with {@link LeaseLost} when fenced.
   */
  report(lease: Lease, filing: Filing, outcomes: TargetOutcome[], signal?: AbortSignal): Promise<void>;
  /** Every location of the tenant with its targets (all pages). */
  locations(signal?: AbortSignal): Promise<Location[]>;
  /** The service's current time (from its `Date` header), to measure clock skew. */
  serverTime?(signal?: AbortSignal): Promise<Date>;
  /**
   * Every filing still queued (claimable or reserved by a connector), oldest first, reserving
   * none: for `status`, `doctor`, and `run --once` to know the queue is really empty.
   */
  pending?(signal?: AbortSignal): Promise<QueuedFiling[]>;
  /** Who holds the tenant lease now, without taking it; `undefined` when nobody does. */
  leaseHolder?(signal?: AbortSignal): Promise<{ holder: string; expiresAt: Date } | undefined>;
}

/** A filing still queued at the service, as {@link Source.pending} lists it. */
export interface QueuedFiling extends Filing {
  /** `pending` (claimable) or `claimed` (reserved by a connector until its visibility timeout). */
  state: string;
  /** How often it was delivered so far. */
  deliveries: number;
}
