import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Filing, Outcome, TargetOutcome } from '../contracts/filing.js';
import { ConfigError, type StoreBusy } from '../errors.js';
import { MIGRATIONS } from './migrations.js';
import { openError } from './store-open-error.js';
import { StoreLock } from './store-lock.js';

/** What the store knows of one (filing, target) pair. `outcome` is `null` while pending. */
export interface TargetRecord {
  filingId: string;
  target: string;
  outcome: Outcome | null;
  path?: string;
  bytes?: number;
  hashKind?: string;
  hash?: string;
  format?: string;
  reason?: string;
  attempts: number;
  lastError?: string;
  updatedAt: string;
}

/** One line of recent activity, newest first. */
export interface ActivityRecord extends TargetRecord {
  locationId: string;
  locationName: string;
  subject?: string;
}

/** Counts for `status`. */
export interface StoreSummary {
  filings: number;
  unreported: number;
  byOutcome: Record<Outcome | 'pending', number>;
}

/** Options of {@link StateStore.open}. */
export interface StateStoreOptions {
  /** Open without taking the process lock, read-only (for `status` while a connector runs). */
  readOnly?: boolean;
}

/**
 * The connector's durable memory: which filing was written where, with what result.
 *
 * SQLite in WAL mode. Every outcome is committed with `synchronous=FULL`, so an outcome recorded
 * before the source is told is still there after a power cut; bookkeeping (deliveries, the
 * reported mark, attempts) commits with `NORMAL`, which WAL keeps consistent and which the next
 * FULL commit makes durable too: losing it to a power cut only means a report is sent again. One process per store ({@link StoreLock}). Every method is
 * synchronous and throws the SQLite error on I/O failure.
 * @public
 */
export class StateStore {
  private constructor(
    private readonly db: Database.Database,
    private readonly lock: StoreLock | undefined,
    /** The folder the store lives in. */
    readonly dir: string,
  ) {}

  /**
   * Opens (creating and migrating) the store in `dir`. Throws {@link StoreBusy} when another
   * process holds it, and {@link ConfigError} for `stateDir` naming the folder and the system's
   * reason when the folder or store cannot be created, opened or written (a path under a file,
   * missing permissions, a read-only disk), or when a newer filing-sync wrote it.
   */
  static open(dir: string, options: StateStoreOptions = {}): StateStore {
    try {
      // A read-only open (status, doctor) creates nothing: the store must already be there.
      if (!options.readOnly) mkdirSync(dir, { recursive: true });
      const lock = options.readOnly ? undefined : StoreLock.acquire(join(dir, 'state.lock'));
      try {
        const db = new Database(join(dir, 'state.sqlite'), { readonly: !!options.readOnly, fileMustExist: !!options.readOnly });
        try {
          if (!options.readOnly) {
            db.pragma('journal_mode = WAL');
            // NORMAL for bookkeeping; recordOutcome switches to FULL for its own commit (see the class note).
            db.pragma('synchronous = NORMAL');
            migrate(db, dir);
          }
          db.pragma('busy_timeout = 5000');
        } catch (err) {
          db.close();
          throw err;
        }
        return new StateStore(db, lock, dir);
      } catch (err) {
        lock?.release();
        throw err;
      }
    } catch (err) {
      throw openError(err, dir);
    }
  }

  /**
   * Notes a delivery of `filing`: creates its row and a pending row per target on first sight,
   * counts a redelivery otherwise, adding rows for targets new to the location and dropping the
   * pending rows of targets no longer among them. Returns how many times it has been delivered
   * and whether it was already reported.
   */
  beginFiling(filing: Filing, now = new Date()): { deliveries: number; reported: boolean } {
    return this.beginFilings([filing], now).get(filing.id)!;
  }

  /** {@link StateStore.beginFiling} for a batch, in one transaction. Answers by filing id. */
  beginFilings(filings: readonly Filing[], now = new Date()): Map<string, { deliveries: number; reported: boolean }> {
    const answers = new Map<string, { deliveries: number; reported: boolean }>();
    this.db.transaction(() => {
      for (const filing of filings) answers.set(filing.id, this.beginOne(filing, now.toISOString()));
    })();
    return answers;
  }

  private beginOne(filing: Filing, at: string): { deliveries: number; reported: boolean } {
    const row = this.stmt('SELECT deliveries, reported_at FROM filings WHERE filing_id = ?').get(filing.id) as
      | { deliveries: number; reported_at: string | null }
      | undefined;
    if (row) {
      this.stmt('UPDATE filings SET deliveries = deliveries + 1 WHERE filing_id = ?').run(filing.id);
    } else {
      this.stmt(
          `INSERT INTO filings (filing_id, tenant, location_id, location_name, subject, first_seen_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(filing.id, filing.tenant, filing.location.id, filing.location.name, filing.message.subject ?? null, at);
    }
    const targets = [...new Set(filing.location.targets)];
    if (row) {
      // A target removed from the location since an earlier delivery will never be written:
      // left pending, it would keep the filing open in `status` and `doctor` for ever. Final
      // outcomes stay, they are history.
      this.stmt(
          `DELETE FROM target_outcomes WHERE filing_id = ? AND outcome IS NULL AND target NOT IN (SELECT value FROM json_each(?))`,
        )
        .run(filing.id, JSON.stringify(targets));
    }
    const insertTarget = this.stmt(
      `INSERT OR IGNORE INTO target_outcomes (filing_id, target, created_at, updated_at) VALUES (?, ?, ?, ?)`,
    );
    for (const target of targets) insertTarget.run(filing.id, target, at, at);
    return { deliveries: (row?.deliveries ?? 0) + 1, reported: !!row?.reported_at };
  }


  /** Every target row of a filing. */
  targets(filingId: string): TargetRecord[] {
    const rows = this.stmt('SELECT * FROM target_outcomes WHERE filing_id = ? ORDER BY rowid').all(filingId) as Row[];
    return rows.map(toRecord);
  }

  /** Records a failed attempt that leaves the target pending. Returns the attempts so far. */
  recordFailure(filingId: string, target: string, error: string, now = new Date()): number {
    this.stmt(
        `UPDATE target_outcomes SET attempts = attempts + 1, last_error = ?, updated_at = ?
         WHERE filing_id = ? AND target = ? AND outcome IS NULL`,
      )
      .run(error, now.toISOString(), filingId, target);
    const row = this.stmt('SELECT attempts FROM target_outcomes WHERE filing_id = ? AND target = ?').get(filingId, target) as
      | { attempts: number }
      | undefined;
    return row?.attempts ?? 0;
  }

  /**
   * Records the final outcome of a target, durably, before anyone is told. A target that already
   * has a final outcome keeps it (the first result wins; redeliveries never overwrite it).
   */
  recordOutcome(filingId: string, outcome: TargetOutcome, now = new Date()): void {
    this.recordOutcomes([{ filingId, outcome }], now);
  }

  /**
   * {@link StateStore.recordOutcome} for many targets in one durable commit (one disk sync for
   * all: the engine gathers the outcomes that finish together). All or none are recorded.
   */
  recordOutcomes(entries: readonly { filingId: string; outcome: TargetOutcome }[], now = new Date()): void {
    if (entries.length === 0) return;
    // This commit must reach the disk before the outcomes are reported: FULL syncs the WAL (and
    // with it every earlier NORMAL commit) before returning.
    this.db.pragma('synchronous = FULL');
    try {
      this.db.transaction(() => {
        for (const e of entries) this.recordOutcomeRow(e.filingId, e.outcome, now);
      })();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  private recordOutcomeRow(filingId: string, outcome: TargetOutcome, now: Date): void {
    this.stmt(
        `UPDATE target_outcomes SET outcome = ?, path = ?, bytes = ?, hash_kind = ?, hash = ?, format = ?, reason = ?,
           attempts = attempts + 1, updated_at = ?, retry_of = NULL
         WHERE filing_id = ? AND target = ? AND outcome IS NULL`,
      )
      .run(
        outcome.outcome, outcome.path ?? null, outcome.bytes ?? null, outcome.hash?.kind ?? null, outcome.hash?.value ?? null,
        outcome.format ?? null, outcome.reason ?? null, now.toISOString(), filingId, outcome.target,
      );
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, prepared once per SQL text. */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Marks filings as reported to the source, in one transaction. */
  markReported(filingIds: string | readonly string[], now = new Date()): void {
    const update = this.stmt('UPDATE filings SET reported_at = ?, report_error = NULL WHERE filing_id = ?');
    const at = now.toISOString();
    this.db.transaction(() => {
      for (const id of typeof filingIds === 'string' ? [filingIds] : filingIds) update.run(at, id);
    })();
  }

  /** Notes that reporting failed; the filing stays unreported. */
  recordReportError(filingId: string, error: string): void {
    this.stmt('UPDATE filings SET report_error = ? WHERE filing_id = ?').run(error, filingId);
  }

  /**
   * Puts a skipped or failed target back to pending for a user's retry (the engine's `retryFiling` writes
   * it; the service does not deliver the filing again). What it was is kept until an outcome is recorded,
   * so that {@link StateStore.restoreInterruptedRetries} can undo a retry the process did not live to
   * finish. Returns whether a row changed.
   */
  resetTarget(filingId: string, target: string, now = new Date()): boolean {
    const changed = this.db.transaction(() => {
      const reportedAt = (this.stmt('SELECT reported_at FROM filings WHERE filing_id = ?').get(filingId) as { reported_at: string | null } | undefined)?.reported_at ?? null;
      const r = this.stmt(
          `UPDATE target_outcomes SET retry_of = json_object('outcome', outcome, 'reason', reason, 'reportedAt', ?),
             outcome = NULL, reason = NULL, attempts = 0, last_error = NULL, updated_at = ?
           WHERE filing_id = ? AND target = ? AND outcome IN ('skipped', 'failed')`,
        )
        .run(reportedAt, now.toISOString(), filingId, target);
      if (r.changes > 0) this.stmt('UPDATE filings SET reported_at = NULL WHERE filing_id = ?').run(filingId);
      return r.changes > 0;
    })();
    return changed;
  }

  /**
   * Undoes the users' retries that were under way when the process ended (a crash, a power cut): each such
   * target gets back the outcome it had, with a reason saying the retry did not finish, and its filing counts
   * as reported again (the service still has that outcome). Without this the target would stay pending for
   * good: the service does not deliver a filing it has outcomes for. Call it only when no retry runs (at
   * start). Returns how many targets it put back.
   */
  restoreInterruptedRetries(now = new Date()): number {
    const rows = this.stmt('SELECT filing_id, target, retry_of FROM target_outcomes WHERE outcome IS NULL AND retry_of IS NOT NULL').all() as {
      filing_id: string;
      target: string;
      retry_of: string;
    }[];
    if (rows.length === 0) return 0;
    this.db.transaction(() => {
      for (const r of rows) {
        const was = JSON.parse(r.retry_of) as { outcome: Outcome; reason: string | null; reportedAt: string | null };
        const reason = `The retry did not finish: filing-sync stopped before it was written.${was.reason ? ` Before: ${was.reason}` : ''}`;
        this.stmt('UPDATE target_outcomes SET outcome = ?, reason = ?, retry_of = NULL, updated_at = ? WHERE filing_id = ? AND target = ?')
          .run(was.outcome, reason, now.toISOString(), r.filing_id, r.target);
        // Reported again only if nothing else of the filing is still open.
        if (was.reportedAt) {
          this.stmt(
              `UPDATE filings SET reported_at = ? WHERE filing_id = ? AND reported_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM target_outcomes WHERE filing_id = ? AND outcome IS NULL)`,
            )
            .run(was.reportedAt, r.filing_id, r.filing_id);
        }
      }
    })();
    return rows.length;
  }

  /** Counts by outcome (`pending` for targets without one). */
  summary(): StoreSummary {
    const byOutcome: StoreSummary['byOutcome'] = { created: 0, identical: 0, renamed: 0, degraded: 0, skipped: 0, failed: 0, pending: 0 };
    for (const r of this.stmt('SELECT outcome, COUNT(*) AS n FROM target_outcomes GROUP BY outcome').all() as {
      outcome: Outcome | null;
      n: number;
    }[]) {
      byOutcome[r.outcome ?? 'pending'] = r.n;
    }
    const f = this.stmt('SELECT COUNT(*) AS n, SUM(reported_at IS NULL) AS u FROM filings').get() as { n: number; u: number | null };
    return { filings: f.n, unreported: f.u ?? 0, byOutcome };
  }

  /** Recent activity, newest first, optionally only some outcomes (`pending` for open ones). */
  recent(limit = 50, outcomes?: readonly (Outcome | 'pending')[]): ActivityRecord[] {
    const finals = (outcomes ?? []).filter((o): o is Outcome => o !== 'pending');
    const conditions = [
      ...(outcomes?.includes('pending') ? ['t.outcome IS NULL'] : []),
      ...(finals.length ? [`t.outcome IN (${finals.map(() => '?').join(', ')})`] : []),
    ];
    const where = conditions.length ? `WHERE ${conditions.join(' OR ')}` : '';
    const rows = this.stmt(
        `SELECT t.*, f.location_id, f.location_name, f.subject FROM target_outcomes t JOIN filings f USING (filing_id)
         ${where} ORDER BY t.updated_at DESC, t.rowid DESC LIMIT ?`,
      )
      .all(...finals, limit) as (Row & { location_id: string; location_name: string; subject: string | null })[];
    return rows.map((r) => ({
      ...toRecord(r),
      locationId: r.location_id,
      locationName: r.location_name,
      ...(r.subject === null ? {} : { subject: r.subject }),
    }));
  }

  /**
   * 8 hex digits naming this store (so this connector installation), made on first use and kept.
   * Sinks mark temporary files with it ({@link SinkContext.instanceId}).
   */
  get instanceId(): string {
    let id = this.getMeta('instanceId');
    if (!id) {
      id = randomBytes(4).toString('hex');
      this.setMeta('instanceId', id);
    }
    return id;
  }

  /** A value kept between runs (e.g. last poll time); `undefined` when unset. */
  getMeta(key: string): string | undefined {
    return (this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  /** Sets a value kept between runs. */
  setMeta(key: string, value: string): void {
    this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** Closes the database and releases the process lock. Never throws. */
  close(): void {
    try {
      this.db.close();
    } finally {
      this.lock?.release();
    }
  }
}

interface Row {
  filing_id: string;
  target: string;
  outcome: Outcome | null;
  path: string | null;
  bytes: number | null;
  hash_kind: string | null;
  hash: string | null;
  format: string | null;
  reason: string | null;
  attempts: number;
  last_error: string | null;
  updated_at: string;
}

function toRecord(r: Row): TargetRecord {
  const rec: TargetRecord = { filingId: r.filing_id, target: r.target, outcome: r.outcome, attempts: r.attempts, updatedAt: r.updated_at };
  if (r.path !== null) rec.path = r.path;
  if (r.bytes !== null) rec.bytes = r.bytes;
  if (r.hash_kind !== null) rec.hashKind = r.hash_kind;
  if (r.hash !== null) rec.hash = r.hash;
  if (r.format !== null) rec.format = r.format;
  if (r.reason !== null) rec.reason = r.reason;
  if (r.last_error !== null) rec.lastError = r.last_error;
  return rec;
}

function migrate(db: Database.Database, dir: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new ConfigError(
      [{ key: 'stateDir', expected: `a state store this filing-sync can read (the store in ${dir} was written by a newer filing-sync: schema ${version}, this one knows up to ${MIGRATIONS.length})` }],
      { action: 'Upgrade filing-sync to the version that last used this state folder (or newer); never point an older version at it.' },
    );
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
