/**
 * The filing service's state for one tenant, in memory: the sync lease, the queue of filings with
 * their reservations, and every report received. Pure logic; the HTTP layer is in `api.ts`.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { ManifestLocation } from './manifest.js';
import type { Summary } from './summary.js';

/** Where a filing's message bytes are. */
export type MessageSource = { file: string } | { bytes: Buffer };

/** The lease as the double keeps it. */
export interface DoubleLease {
  id: string;
  holder: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** One grant of the lease, kept for tests that check who could write when. */
export interface LeaseGrant {
  id: string;
  holder: string;
  /** Epoch ms of the grant. */
  grantedAt: number;
  /** Epoch ms the grant ends: its expiry as last renewed, or when it was released or expired early. */
  endsAt: number;
}

/** An outcome as clients report it (see the OpenAPI `TargetOutcome`). */
export interface ReportedOutcome {
  target: string;
  outcome: string;
  path?: string;
  bytes?: number;
  hash?: { kind: string; value: string };
  format?: string;
  reason?: string;
}

/** One report request, kept for tests (double reports are visible). */
export interface ReportRecord {
  at: string;
  leaseId: string;
  outcomes: ReportedOutcome[];
}

/** `pending` (claimable), `claimed` (reserved), `done` (every target reported). */
export type FilingState = 'pending' | 'claimed' | 'done';

/** A filing with everything the double knows about it. */
export interface QueuedFiling {
  /** Order of arrival; also the paging key. */
  seq: number;
  id: string;
  locationId: string;
  filedAt: string;
  summary: Summary;
  message: MessageSource;
  deliveries: number;
  /** Epoch ms until which it is reserved; 0 when not. */
  reservedUntil: number;
  completed: boolean;
  reports: ReportRecord[];
}

/** Why a fenced request was refused. */
export class LeaseLostError extends Error {
  constructor(leaseId: string) {
    super(`Lease ${leaseId} is not the tenant's current lease.`);
  }
}

/** Options of {@link FilingQueue}. */
export interface QueueOptions {
  tenant: string;
  locations: ManifestLocation[];
  visibilityTimeoutMs: number;
  /** When set, every grant and renewal lasts this long whatever the client asked. */
  leaseTtlMs?: number;
  now?: () => number;
}

/** The tenant's lease and queue. */
export class FilingQueue {
  readonly tenant: string;
  readonly locations: Map<string, ManifestLocation>;
  private readonly filings = new Map<string, QueuedFiling>();
  private lease: DoubleLease | undefined;
  /** Every grant of the lease, in order. */
  readonly leaseHistory: LeaseGrant[] = [];
  private seq = 0;
  private epoch = 0;
  private readonly now: () => number;

  constructor(private readonly options: QueueOptions) {
    this.tenant = options.tenant;
    this.locations = new Map(options.locations.map((l) => [l.id, l]));
    this.now = options.now ?? Date.now;
  }

  // ---- lease ----

  /** The current unexpired lease, if any. */
  currentLease(): DoubleLease | undefined {
    if (this.lease && this.lease.expiresAt <= this.now()) this.lease = undefined;
    return this.lease;
  }

  /**
   * Grants the lease to `holder` unless someone else holds an unexpired one (then returns that lease
   * under `held`). Every grant has a new id, which fences off the previous ones.
   */
  acquire(holder: string, ttlMs: number): { granted: DoubleLease } | { held: DoubleLease } {
    const current = this.currentLease();
    if (current && current.holder !== holder) return { held: current };
    this.epoch++;
    this.lease = { id: `${this.epoch}.${randomBytes(8).toString('hex')}`, holder, expiresAt: this.now() + this.ttl(ttlMs) };
    this.endGrant(this.now());
    this.leaseHistory.push({ id: this.lease.id, holder, grantedAt: this.now(), endsAt: this.lease.expiresAt });
    return { granted: { ...this.lease } };
  }

  /** Extends the lease with this id; throws {@link LeaseLostError} when it is not current. */
  renew(leaseId: string, ttlMs: number): DoubleLease {
    const lease = this.fence(leaseId);
    lease.expiresAt = this.now() + this.ttl(ttlMs);
    const grant = this.leaseHistory[this.leaseHistory.length - 1];
    if (grant?.id === lease.id) grant.endsAt = lease.expiresAt;
    return { ...lease };
  }

  /** Drops the lease with this id; does nothing when it is not current. */
  release(leaseId: string): void {
    if (this.currentLease()?.id === leaseId) {
      this.endGrant(this.now());
      this.lease = undefined;
    }
  }

  /** Makes the current lease lapse at once (take-over tests). */
  expireLease(): void {
    if (this.lease) this.endGrant(this.now());
    this.lease = undefined;
  }

  /** Ends the latest grant at `at` if it would run longer. */
  private endGrant(at: number): void {
    const grant = this.leaseHistory[this.leaseHistory.length - 1];
    if (grant && grant.endsAt > at) grant.endsAt = at;
  }

  private ttl(requestedMs: number): number {
    return this.options.leaseTtlMs ?? requestedMs;
  }

  /** Throws {@link LeaseLostError} unless `leaseId` is the current lease. */
  fence(leaseId: string): DoubleLease {
    const lease = this.currentLease();
    if (!lease || lease.id !== leaseId) throw new LeaseLostError(leaseId);
    return lease;
  }

  // ---- queue ----

  /** Adds a filing at the end of the queue. Throws when the id is taken or the location unknown. */
  add(filing: { id: string; locationId: string; filedAt: string; summary: Summary; message: MessageSource }): QueuedFiling {
    if (this.filings.has(filing.id)) throw new Error(`filing id "${filing.id}" is already used`);
    if (!this.locations.has(filing.locationId)) throw new Error(`unknown location "${filing.locationId}"`);
    const queued: QueuedFiling = { ...filing, seq: ++this.seq, deliveries: 0, reservedUntil: 0, completed: false, reports: [] };
    this.filings.set(filing.id, queued);
    return queued;
  }

  get(id: string): QueuedFiling | undefined {
    return this.filings.get(id);
  }

  /** Every filing in order of arrival. */
  all(): QueuedFiling[] {
    return [...this.filings.values()];
  }

  /** A filing's state now (a reservation that ran out makes it pending again). */
  stateOf(filing: QueuedFiling): FilingState {
    if (filing.completed) return 'done';
    return filing.reservedUntil > this.now() ? 'claimed' : 'pending';
  }

  /**
   * Reserves up to `max` pending filings, oldest first, for the visibility timeout.
   * Throws {@link LeaseLostError} for a stale lease id.
   */
  claim(leaseId: string, max: number): { items: QueuedFiling[]; reservedUntil: number } {
    this.fence(leaseId);
    const reservedUntil = this.now() + this.options.visibilityTimeoutMs;
    const items: QueuedFiling[] = [];
    for (const filing of this.filings.values()) {
      if (items.length >= max) break;
      if (this.stateOf(filing) !== 'pending') continue;
      filing.reservedUntil = reservedUntil;
      filing.deliveries++;
      items.push(filing);
    }
    return { items, reservedUntil };
  }

  /** Makes every reservation lapse at once, as if the visibility timeout had passed (redelivery tests). */
  expireReservations(): void {
    for (const filing of this.filings.values()) filing.reservedUntil = 0;
  }

  /** Filings not yet done with `seq` above `after`, up to `limit`. */
  open(after: number, limit: number): QueuedFiling[] {
    const out: QueuedFiling[] = [];
    for (const filing of this.filings.values()) {
      if (out.length >= limit) break;
      if (filing.seq > after && !filing.completed) out.push(filing);
    }
    return out;
  }

  /**
   * Records a report. Throws {@link LeaseLostError} for a stale lease id. The filing is complete once
   * every target of its location has an outcome; a report on a complete filing is kept and accepted.
   */
  report(leaseId: string, filing: QueuedFiling, outcomes: ReportedOutcome[]): FilingState {
    this.fence(leaseId);
    filing.reports.push({ at: new Date(this.now()).toISOString(), leaseId, outcomes });
    const reported = new Set(filing.reports.flatMap((r) => r.outcomes.map((o) => o.target)));
    const targets = this.locations.get(filing.locationId)?.targets ?? [];
    if (targets.every((t) => reported.has(t))) {
      filing.completed = true;
      filing.reservedUntil = 0;
    }
    return this.stateOf(filing);
  }
}
