import { TransientError } from '../errors.js';

/**
 * The tenant sync lease: while held and unexpired, only its holder may write for the tenant.
 * @public
 */
export interface Lease {
  /** Opaque id the source issued; carried on every poll and report (server-side fencing). */
  id: string;
  /** Who holds it, e.g. `filing-sync@host01 (pid 4242)`. */
  holder: string;
  /** When it lapses unless renewed. */
  expiresAt: Date;
}

/**
 * Another connector holds the tenant lease. The engine stands by and tries again
 * when the lease could have lapsed (`retryAfterMs`).
 * @public
 */
export class LeaseHeld extends TransientError {
  constructor(
    /** The current holder, as the source names it. */
    readonly holder: string,
    /** When the holder's lease lapses unless renewed. */
    readonly expiresAt: Date,
  ) {
    super(`The tenant lease is held by ${holder} until ${expiresAt.toISOString()}.`, {
      retryAfterMs: Math.max(0, expiresAt.getTime() - Date.now()),
      action: 'Nothing, unless that connector should not run: stop it, and this one takes over when its lease lapses.',
    });
  }
}

/**
 * Our lease was lost (expired, or taken over). The engine stops writing at once
 * and tries to acquire it again.
 * @public
 */
export class LeaseLost extends TransientError {
  constructor(message = 'The tenant lease was lost.') {
    super(message, { action: 'Nothing: the connector stands by and re-acquires the lease when free.' });
  }
}
