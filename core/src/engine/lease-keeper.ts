import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { LeaseHeld, LeaseLost, type Lease } from '../contracts/lease.js';
import type { Source } from '../contracts/source.js';
import { toFilingSyncError } from '../errors.js';
import { untilAborted } from '../pacing/until-aborted.js';

/** What the engine's observers hear about the lease. */
export type LeaseState =
  | { state: 'held'; lease: Lease }
  | { state: 'standing-by'; holder: string; expiresAt: Date }
  | { state: 'lost'; reason: string }
  | { state: 'released' };

/** How long a lease request under way may still take after a stop (see {@link LeaseKeeper.acquire}). */
const ACQUIRE_GRACE_MS = 2_000;

/**
 * A grant that looks shorter than this on this machine's clock (or than half the lifetime asked for, when that is
 * less) is not believed: the service's clock and this machine's disagree (see {@link LeaseKeeper.noteGrant}).
 */
const CREDIBLE_GRANT_MS = 1_000;

/**
 * Holds the tenant sync lease: acquires it (standing by while another connector has it),
 * renews it every third of its lifetime, and fires `lost` the moment a renewal is refused or
 * the lease runs out without one, so writing stops before another connector can start.
 * @public
 */
export class LeaseKeeper {
  private lease: Lease | undefined;
  /**
   * Until when (`performance.now()`) the lease is surely still ours: the time its last grant was asked for plus
   * the lifetime granted. Counted on this machine's monotonic clock from before the request, so neither a slow
   * answer nor a clock that differs from the service's can stretch it.
   */
  private validUntil = 0;
  /**
   * The same on the wall clock. The monotonic clock stops while the machine sleeps (Linux, macOS), so after a
   * laptop wakes only the wall clock shows that the lease ran out meanwhile.
   */
  private wallValidUntil = 0;
  /** The lifetime of the last grant: renewals and margins are counted from it, as a service may grant less. */
  private granted = 0;
  /** The clock warning was given: it is given once, not at every grant. */
  private clockWarned = false;
  private lostController = new AbortController();
  private renewal: Promise<void> | undefined;
  private stopRenewing = new AbortController();

  constructor(
    private readonly source: Source,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly onState: (s: LeaseState) => void = () => {},
  ) {}

  /** The lease while held. */
  get current(): Lease | undefined {
    return this.lease;
  }

  /** Aborts when the lease is lost. Replaced on every acquisition. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  /**
   * Waits until the lease is ours (standing by while another holder has it) and starts renewing.
   * Rejects when `signal` aborts, when the source fails in a way that is not transient, and with the last
   * transient failure once `giveUpAfter` requests in a row have failed so (by default it tries for ever). A request
   * under way when `signal` aborts may finish (for up to 2 s); a lease it brings is given back before this rejects.
   */
  async acquire(signal: AbortSignal, giveUpAfter = Infinity): Promise<Lease> {
    let announced = '';
    let failures = 0;
    for (;;) {
      signal.throwIfAborted();
      try {
        const asked = this.clock();
        const lease = await this.source.acquireLease(this.holder, this.ttlMs, this.graceAfter(signal));
        if (signal.aborted) {
          // Granted while we were asked to stop: give it back now, or every other connector waits for it to lapse.
          await this.source.releaseLease(lease, AbortSignal.timeout(5000)).catch(() => undefined);
          throw signal.reason;
        }
        this.lease = lease;
        this.noteGrant(lease, asked);
        this.lostController = new AbortController();
        this.stopRenewing = new AbortController();
        this.renewal = this.renewLoop();
        this.logger.info({ holder: lease.holder, expiresAt: lease.expiresAt.toISOString() }, 'tenant lease acquired');
        this.tell({ state: 'held', lease });
        return lease;
      } catch (raw) {
        if (signal.aborted) throw raw;
        const err = toFilingSyncError(raw);
        if (err instanceof LeaseHeld) {
          const key = `${err.holder}|${err.expiresAt.toISOString()}`;
          if (key !== announced) {
            this.logger.warn({ holder: err.holder, expiresAt: err.expiresAt.toISOString() }, `standing by: the tenant lease is held by ${err.holder} until ${err.expiresAt.toISOString()}`);
            announced = key;
          }
          this.tell({ state: 'standing-by', holder: err.holder, expiresAt: err.expiresAt });
          // Try again soon after it could lapse, but at least every ttl/3 in case it was released.
          const wait = Math.min(Math.max(250, (err.retryAfterMs ?? 0) + 100), Math.max(1000, this.ttlMs / 3));
          await sleep(wait, undefined, { signal });
        } else if (err.kind === 'transient') {
          if (++failures >= giveUpAfter) throw err;
          this.logger.warn({ err: err.message }, 'could not reach the filing service for the tenant lease; trying again');
          await sleep(Math.min(5000, this.ttlMs / 3), undefined, { signal });
        } else throw err;
      }
    }
  }

  /**
   * Declares the lease lost because the service refused it on another request (a fenced claim or report): writing
   * stops now rather than at the next renewal. Does nothing when the lease is not held.
   */
  markLost(reason: string): void {
    if (!this.lease) return;
    this.lease = undefined;
    this.stopRenewing.abort();
    // Writing stops first: nothing an observer does may delay or prevent it.
    this.lostController.abort(new LeaseLost(reason));
    this.logger.error({ err: reason }, 'tenant lease lost; writing stops');
    this.tell({ state: 'lost', reason });
  }

  /**
   * Throws {@link LeaseLost} unless the lease is held and its renewal deadline has not passed; past the deadline it
   * is declared lost first. Called right before a file is placed: when this thread was held up past the deadline
   * (a long synchronous commit, a pause of the whole process), the work queued behind it runs before the renewal's
   * timer can declare the lease lost, and another connector may hold it by then.
   */
  assertHeld(): void {
    if (this.lostController.signal.aborted) throw this.lostController.signal.reason;
    if (!this.lease) throw new LeaseLost('This connector does not hold the tenant lease.');
    const now = this.clock();
    if (now.monotonic >= this.renewalDeadline() || now.wall >= this.wallValidUntil - this.granted / 6) {
      this.markLost('The tenant lease ran out before it could be renewed: this process was held up past its renewal deadline.');
      throw this.lostController.signal.reason;
    }
  }

  /** Stops renewing and gives the lease back; work still listening to {@link LeaseKeeper.lost} stops. Never rejects. */
  async release(): Promise<void> {
    this.stopRenewing.abort();
    await this.renewal?.catch(() => {});
    const lease = this.lease;
    this.lease = undefined;
    // Whatever still runs under this lease must not go on once it is given back.
    if (!this.lostController.signal.aborted) this.lostController.abort(new LeaseLost('The tenant lease was given back.'));
    if (!lease) return;
    try {
      await this.source.releaseLease(lease, AbortSignal.timeout(5000));
      this.logger.info('tenant lease released');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not release the tenant lease; it lapses by itself');
    }
    this.tell({ state: 'released' });
  }

  private async renewLoop(): Promise<void> {
    const stop = this.stopRenewing.signal;
    let delay = this.renewEvery();
    while (!stop.aborted && this.lease) {
      try {
        await sleep(delay, undefined, { signal: stop });
      } catch {
        return;
      }
      const lease = this.lease;
      if (!lease) return;
      // A renewal may not outlast the lease: a service that hangs or asks us to wait past the expiry has, for
      // this connector, taken the lease away, and another connector may hold it by then.
      const deadline = this.renewalDeadline();
      const asked = this.clock();
      try {
        const bounded = AbortSignal.any([stop, AbortSignal.timeout(Math.max(0, Math.floor(deadline - asked.monotonic)))]);
        // Stop waiting at the deadline even if the source does not heed its signal.
        const renewed = await untilAborted(this.source.renewLease(lease, this.ttlMs, bounded), bounded);
        if (stop.aborted) return;
        this.lease = renewed;
        this.noteGrant(renewed, asked);
        delay = this.renewEvery();
      } catch (raw) {
        if (stop.aborted) return;
        const err = toFilingSyncError(raw);
        // A transient failure is survivable while the lease has time left; past that it is lost.
        if (!(err instanceof LeaseLost) && err.kind === 'transient' && this.clock().monotonic < deadline) {
          this.logger.warn({ err: err.message }, 'lease renewal failed; retrying before it expires');
          delay = Math.min(1000, this.granted / 12, Math.max(0, deadline - this.clock().monotonic));
          continue;
        }
        const reason = this.clock().monotonic >= deadline ? `The tenant lease ran out while it could not be renewed (${err.message}).` : err.message;
        this.markLost(reason);
        return;
      }
    }
  }

  /** Tells the observer; an observer that throws (a status store that cannot be written) is logged, not obeyed. */
  private tell(state: LeaseState): void {
    try {
      this.onState(state);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, state: state.state }, 'a lease observer failed');
    }
  }

  /**
   * `signal`, fired {@link ACQUIRE_GRACE_MS} later: a lease request already sent when a stop comes is let finish
   * (the service may grant it, and only a lease we hear of can be given back), unless it takes longer.
   */
  private graceAfter(signal: AbortSignal): AbortSignal {
    const late = new AbortController();
    const fire = () => setTimeout(() => late.abort(signal.reason), ACQUIRE_GRACE_MS).unref();
    if (signal.aborted) fire();
    else signal.addEventListener('abort', fire, { once: true });
    return late.signal;
  }

  /**
   * Records a grant asked for at `asked`: its lifetime is at most what was asked for, counted from before the
   * request on both clocks.
   *
   * The lifetime is the service's expiry less this machine's time, so it is only as good as the two clocks'
   * agreement. A clock ahead of the service's by a whole lifetime makes every grant look expired on arrival: the
   * lease would be lost right after each grant, and nothing written. Then the lifetime asked for stands in (the
   * lease is still counted on this machine's monotonic clock from before the request), and the clock is named.
   */
  private noteGrant(lease: Lease, asked: { monotonic: number; wall: number }): void {
    const byClocks = lease.expiresAt.getTime() - asked.wall;
    if (byClocks < Math.min(CREDIBLE_GRANT_MS, this.ttlMs / 2)) {
      if (!this.clockWarned) {
        this.clockWarned = true;
        this.logger.warn(
          { expiresAt: lease.expiresAt.toISOString(), localTime: new Date(asked.wall).toISOString() },
          `the filing service granted the tenant lease until ${lease.expiresAt.toISOString()}, which is already past by this machine's clock (${new Date(asked.wall).toISOString()}): this machine's clock is probably wrong; set it right (time synchronisation)`,
        );
      }
      this.granted = this.ttlMs;
    } else this.granted = Math.min(this.ttlMs, byClocks);
    this.validUntil = asked.monotonic + this.granted;
    this.wallValidUntil = asked.wall + this.granted;
  }

  /** How long after a grant to renew it: a third of its lifetime (not too often for a service that grants little). */
  private renewEvery(): number {
    return Math.max(50, this.granted / 3);
  }

  /** When (`performance.now()`) a lease not renewed by then counts as lost: a sixth of its lifetime before it runs out. */
  private renewalDeadline(): number {
    return this.validUntil - this.granted / 6;
  }

  private clock(): { monotonic: number; wall: number } {
    return { monotonic: performance.now(), wall: Date.now() };
  }
}
