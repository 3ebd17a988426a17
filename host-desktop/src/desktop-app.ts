import {
  bootConnector,
  FilingSyncError,
  ConfigError,
  toFilingSyncError,
  type ConfigIssue,
  type Connector,
  type Filing,
  type HostDefinition,
  type Location,
  type TargetOutcome,
  type BootOptions,
} from '@filing-sync/core';
import type { SignIns } from './auth/sign-ins.js';
import { folderLink } from './ui/folder-link.js';
import { UiRequestError } from './ui-request-error.js';
import type { ActivityView, LocationView, RunState, StatusView, TargetView } from '../client/dist/types.js';

// The views the page receives are defined once, beside the page's code.
export type { ActivityView, LocationView, RunState, StatusView, TargetView };

/** Options of {@link DesktopApp}. */
export interface DesktopAppOptions {
  host: HostDefinition;
  signIns: SignIns;
  configPath: string;
  logDestination?: BootOptions['logDestination'];
}

interface Observed {
  state: TargetView['state'];
  reason?: string;
  at: number;
}

const FILED = ['created', 'identical', 'renamed', 'degraded'] as const;
/** Meta key prefix of filings kept for a later retry (the service will not deliver them again). */
const RETRY_META = 'desktop.filing:';

/**
 * The desktop program's connector, supervised: boots it with the desktop host, runs the engine
 * in the background, restarts it when settings change, and turns what the engine reports into
 * what the UI shows. A boot that fails (config, licence) leaves it `stopped` with the reason,
 * so the UI can still be used to fix the settings.
 * @public
 */
export class DesktopApp {
  private connector: Connector | undefined;
  private running: Promise<void> | undefined;
  private state: RunState = 'stopped';
  private holder: { holder: string; until: string } | undefined;
  private stopped: { reason: string; action?: string; issues?: readonly ConfigIssue[] } | undefined = { reason: 'not started yet' };
  /** Why a booted connector is not writing now (the lease was lost or given back), shown while `starting`. */
  private waiting: string | undefined;
  /** The engine holds the tenant lease (as its lease observer last said). */
  private leaseHeld = false;
  /** A stop is under way: the lease given back then is not news for the page. */
  private stopping = false;
  /** Set by {@link DesktopApp.close}: no connector boots any more. */
  private closing = false;
  /** Start, stop and restart run one after another on this chain, never interleaved. */
  private lifecycle: Promise<void> = Promise.resolve();
  /** Users' retries under way: the store is not closed before each has put its outcome back. */
  private readonly retries = new Set<Promise<unknown>>();
  private readonly observed = new Map<string, Observed>();
  private readonly probes = new Map<string, Observed>();
  private locationsCache: { at: number; value: Location[] } | undefined;
  private pendingCache: { at: number; value: number } | undefined;

  constructor(private readonly options: DesktopAppOptions) {}

  /** The host definition the connector boots with. */
  get host(): HostDefinition {
    return this.options.host;
  }

  /** The running connector, if it booted. */
  get current(): Connector | undefined {
    return this.connector;
  }

  /** The config problems of the last boot, each naming its key (shown next to the settings fields). */
  get configIssues(): readonly ConfigIssue[] {
    return this.stopped?.issues ?? [];
  }

  /** Why the connector is stopped, with what to do; undefined while one runs (or boots). */
  get stoppedReason(): { reason: string; action?: string } | undefined {
    return this.connector ? undefined : this.stopped;
  }

  /**
   * Boots and starts the connector, after any start, stop or restart asked for before it has
   * finished. Never rejects: a failed boot is shown as `stopped` with the reason. Does nothing
   * once {@link DesktopApp.close} was called.
   */
  start(): Promise<void> {
    return this.serially(() => this.boot());
  }

  /**
   * Stops the connector (after any start or restart asked for before: a connector still booting is
   * stopped too): in-flight writes finish (or are abandoned after the deadline), the lease is released.
   */
  stop(): Promise<void> {
    return this.serially(() => this.halt());
  }

  /** Stops and boots again (after settings changed); queued behind any start or stop under way. */
  restart(): Promise<void> {
    return this.serially(async () => {
      await this.halt();
      this.locationsCache = undefined;
      this.probes.clear();
      await this.boot();
    });
  }

  /**
   * The program quits: from now on nothing boots (a restart asked for earlier, or a boot that
   * finishes later, is closed without running), and the connector is stopped. Resolves once the
   * lease is released and the store closed.
   */
  close(): Promise<void> {
    this.closing = true;
    return this.serially(() => this.halt());
  }

  /** Runs `step` after every lifecycle step asked for before it. */
  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.lifecycle.then(step);
    // Steps never reject (boot and halt catch), but one that did must not block the next ones.
    this.lifecycle = next.catch(() => {});
    return next;
  }

  private async boot(): Promise<void> {
    if (this.connector) return;
    if (this.closing) {
      this.stopped = { reason: 'filing-sync is quitting' };
      return;
    }
    this.state = 'starting';
    this.stopped = undefined;
    this.waiting = undefined;
    this.options.signIns.reset();
    let connector: Connector;
    try {
      connector = await bootConnector(this.options.host, {
        configPath: this.options.configPath,
        ...(this.options.logDestination ? { logDestination: this.options.logDestination } : {}),
        observer: {
          lease: (s) => {
            this.leaseHeld = s.state === 'held';
            if (s.state === 'held') {
              this.state = 'running';
              this.holder = undefined;
              this.waiting = undefined;
            } else if (s.state === 'standing-by') {
              this.state = 'standing-by';
              this.holder = { holder: s.holder, until: s.expiresAt.toISOString() };
              this.waiting = undefined;
            } else if (!this.stopping) {
              // Lost (or given back) while meant to run: the engine tries to get it back; until then nothing is written.
              this.state = 'starting';
              this.holder = undefined;
              // Given back after it was lost: the loss is what the user needs to know.
              this.waiting =
                s.state === 'lost'
                  ? `The tenant lease was lost (${s.reason}); nothing is written until it is held again.`
                  : (this.waiting ?? 'The tenant lease was given back; nothing is written until it is held again.');
            }
          },
          outcome: (filing, outcome) => this.onOutcome(filing, outcome),
          pending: (filing, target, err) => {
            this.observe(target, err.kind === 'auth' ? 'needs-sign-in' : 'failing', err.message);
            this.keepForRetry(filing);
          },
        },
      });
    } catch (raw) {
      this.state = 'stopped';
      const err = raw instanceof FilingSyncError ? raw : toFilingSyncError(raw);
      this.stopped = { reason: err.message, action: err.action, ...(raw instanceof ConfigError ? { issues: raw.issues } : {}) };
      return;
    }
    if (this.closing) {
      // Quit while it booted: it must not take the lease now.
      connector.close();
      this.state = 'stopped';
      this.stopped = { reason: 'filing-sync is quitting' };
      return;
    }
    this.connector = connector;
    this.running = connector.engine
      .run()
      .then(
        () => {
          this.stopped = { reason: 'stopped' };
        },
        (raw: unknown) => {
          const err = toFilingSyncError(raw);
          connector.logger.error({ err: err.message }, 'the connector stopped');
          this.stopped = { reason: err.message, action: err.action };
        },
      )
      .finally(async () => {
        this.state = 'stopped';
        this.holder = undefined;
        this.waiting = undefined;
        this.leaseHeld = false;
        // A retry puts its target's outcome back if it did not finish; that needs the store open.
        await Promise.allSettled([...this.retries]);
        connector.close();
        if (this.connector === connector) this.connector = undefined;
      });
  }

  private async halt(): Promise<void> {
    const c = this.connector;
    if (!c) return;
    this.stopping = true;
    try {
      c.engine.stop();
      await this.running;
    } finally {
      this.stopping = false;
    }
  }

  /** The status page. Never rejects. */
  async status(): Promise<StatusView> {
    const c = this.connector;
    const source = (c?.config.source ?? {}) as { url?: string; tenant?: string };
    const view: StatusView = {
      state: this.state,
      filedToday: 0,
      pending: 0,
      errors: 0,
      recentErrors: [],
      failedPlugins: c?.plugins.failed.map((f) => ({ name: f.name, reason: f.reason })) ?? [],
      ...(this.holder ? { holder: this.holder.holder, holderUntil: this.holder.until } : {}),
      ...(this.stopped && this.state === 'stopped' ? { stoppedReason: this.stopped.reason, ...(this.stopped.action ? { action: this.stopped.action } : {}) } : {}),
      ...(this.waiting && this.state === 'starting' ? { waitingReason: this.waiting } : {}),
      ...(source.tenant ? { tenant: source.tenant } : {}),
      ...(source.url ? { sourceUrl: source.url } : {}),
    };
    if (!c) return view;
    if (c.licence) view.licence = { licensee: c.licence.payload.licensee, expiresAt: c.licence.payload.expiresAt, daysLeft: c.licence.daysLeft };
    const lastPoll = c.store.getMeta('lastPollAt');
    if (lastPoll) view.lastPollAt = lastPoll;
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const since = midnight.toISOString();
    view.filedToday = c.store.recent(10_000, [...FILED]).filter((r) => r.updatedAt >= since).length;
    const problems = c.store.recent(200, ['failed', 'skipped', 'pending']).filter((r) => r.outcome !== null || r.lastError);
    view.errors = problems.length;
    view.recentErrors = problems.slice(0, 5).map((r) => ({
      ...(r.subject === undefined ? {} : { subject: r.subject }),
      target: r.target,
      reason: r.reason ?? r.lastError ?? r.outcome ?? '',
      at: r.updatedAt,
    }));
    view.pending = await this.queued(c);
    return view;
  }

  /** The tenant's locations with each target's state. Rejects like the source when the service cannot be asked. */
  async locations(): Promise<LocationView[]> {
    const c = this.requireConnector();
    if (!this.locationsCache || Date.now() - this.locationsCache.at > 30_000) {
      this.locationsCache = { at: Date.now(), value: await c.source.locations(AbortSignal.timeout(20_000)) };
    }
    const locations = this.locationsCache.value;
    const targets = [...new Set(locations.flatMap((l) => l.targets))];
    await Promise.all(targets.map((t) => this.probe(c, t)));
    return locations.map((l) => ({
      id: l.id,
      name: l.name,
      format: l.format,
      targets: l.targets.map((t) => {
        const seen = latest(this.observed.get(t), this.probes.get(t));
        return {
          target: t,
          state: seen?.state ?? 'unknown',
          ...(seen?.reason ? { reason: seen.reason } : {}),
          ...(seen ? { at: new Date(seen.at).toISOString() } : {}),
          link: folderLink(t),
        };
      }),
    }));
  }

  /** Recent activity, newest first; `outcome` filters (`failed`, `skipped`, `pending`, ...), `text` matches subject, location, target or file. */
  activity(filter: { outcome?: string; text?: string; limit?: number } = {}): ActivityView[] {
    const c = this.requireConnector();
    const known = ['created', 'identical', 'renamed', 'degraded', 'skipped', 'failed', 'pending'] as const;
    const wanted = known.find((o) => o === filter.outcome);
    if (filter.outcome && !wanted) {
      throw new UiRequestError(400, 'bad-filter', `Unknown outcome filter "${filter.outcome}".`, `Filter by one of ${known.join(', ')}, or by none.`);
    }
    const outcomes = wanted ? [wanted] : undefined;
    const text = filter.text?.toLowerCase();
    return c.store
      .recent(filter.limit ?? 200, outcomes)
      .map((r) => ({
        filingId: r.filingId,
        ...(r.subject === undefined ? {} : { subject: r.subject }),
        location: r.locationName,
        target: r.target,
        outcome: r.outcome ?? 'pending',
        ...(r.path ? { fileName: r.path.split(/[\\/]/).pop()! } : {}),
        ...(r.reason ?? r.lastError ? { reason: (r.reason ?? r.lastError)! } : {}),
        at: r.updatedAt,
        retryable: r.outcome === 'failed' || r.outcome === 'skipped',
      }))
      .filter((a) => !text || [a.subject, a.location, a.target, a.fileName].some((v) => v?.toLowerCase().includes(text)));
  }

  /**
   * Writes a skipped or failed target again (the user fixed the cause), and reports the filing
   * again. Resolves with the target's new outcome. Rejects with {@link UiRequestError}: 409
   * `stopped` without a connector, `not-writing` when this connector does not hold the tenant
   * lease now (standing by, starting), `not-retryable` when the target is not skipped or failed,
   * and `retry-unfinished` when the retry ended without an outcome (service unreachable, stop,
   * lease lost, the filing being written at that moment): the target then keeps its earlier
   * outcome with the new reason, so it stays on the Retry list; the filing service already
   * counts the filing done and would never send it again.
   */
  async retry(filingId: string, target: string): Promise<string> {
    const c = this.requireConnector();
    const record = c.store.targets(filingId).find((r) => r.target === target);
    if (!record || (record.outcome !== 'failed' && record.outcome !== 'skipped')) {
      throw new UiRequestError(
        409,
        'not-retryable',
        `Nothing to retry: ${target} of filing ${filingId} is ${record?.outcome ?? 'not known here'}.`,
        'Retry is offered for skipped and failed items only; reload the activity list.',
      );
    }
    const previous = record.outcome;
    const filing = await this.filingFor(c, filingId, target);
    // Checked last, with nothing awaited between the check, the reset and the engine's own check:
    // a target is put back to pending only when this connector can write it now.
    if (this.connector !== c || !this.leaseHeld) {
      throw new UiRequestError(
        409,
        'not-writing',
        'This connector is not writing now (it is starting, standing by or stopping), so the item was not retried; it keeps its outcome.',
        'Retry when the status page says Running.',
      );
    }
    if (!c.store.resetTarget(filingId, target)) {
      throw new UiRequestError(409, 'not-retryable', `Nothing to retry: ${target} of filing ${filingId} changed meanwhile.`, 'Reload the activity list.');
    }
    this.observed.delete(target);
    this.probes.delete(target);
    const done = this.retryNow(c, filing, target, previous);
    this.retries.add(done);
    void done.catch(() => {}).finally(() => this.retries.delete(done));
    return done;
  }

  /** Runs the engine's retry of `filing`; a target it leaves open gets `previous` back (see {@link DesktopApp.retry}). */
  private async retryNow(c: Connector, filing: Filing, target: string, previous: 'failed' | 'skipped'): Promise<string> {
    let why: string | undefined;
    try {
      // Called in the same turn as the reset (the caller awaits nothing in between), so the engine's
      // own lease check sees what the caller checked.
      await c.engine.retryFiling(filing);
    } catch (raw) {
      why = toFilingSyncError(raw).message;
    }
    const now = c.store.targets(filing.id).find((r) => r.target === target);
    if (now && now.outcome !== null) return now.outcome;
    // No error and no outcome: the engine declined because this filing was being written at that moment.
    why ??= now?.lastError ?? 'the filing was being written by the connector at that moment';
    c.store.recordOutcome(filing.id, { target, outcome: previous, reason: `Retry did not finish: ${why}` });
    this.observe(target, previous === 'skipped' ? 'skipped' : 'failing', `Retry did not finish: ${why}`);
    throw new UiRequestError(
      409,
      'retry-unfinished',
      `The retry of ${target} did not finish (${why}); it is listed as ${previous} again.`,
      'Retry again in a moment, when the status page says Running.',
    );
  }

  /**
   * Forgets what is known of the targets' access (after a sign-in or sign-out), so the next look
   * checks them again instead of showing "needs sign-in" from before.
   */
  recheckTargets(): void {
    this.probes.clear();
    for (const [target, seen] of this.observed) if (seen.state === 'needs-sign-in') this.observed.delete(target);
  }

  private onOutcome(filing: Filing, outcome: TargetOutcome): void {
    if (outcome.outcome === 'skipped') {
      this.observe(outcome.target, 'skipped', outcome.reason ?? 'no permission');
      this.keepForRetry(filing);
    } else if (outcome.outcome === 'failed') {
      this.observe(outcome.target, 'failing', outcome.reason ?? 'failed');
      this.keepForRetry(filing);
    } else {
      this.observe(outcome.target, 'ok');
    }
  }

  private observe(target: string, state: TargetView['state'], reason?: string): void {
    this.observed.set(target, { state, ...(reason ? { reason } : {}), at: Date.now() });
  }

  /** The service counts a reported filing done and never delivers it again: keep it for a retry. */
  private keepForRetry(filing: Filing): void {
    try {
      this.connector?.store.setMeta(`${RETRY_META}${filing.id}`, JSON.stringify(filing));
    } catch {
      // Only a retry convenience; the outcome itself is already recorded.
    }
  }

  private async filingFor(c: Connector, filingId: string, target: string): Promise<Filing> {
    const kept = c.store.getMeta(`${RETRY_META}${filingId}`);
    if (kept) return JSON.parse(kept) as Filing;
    // Recorded before this program kept filings: rebuild it from the location (names come from the message headers).
    const row = c.store.recent(10_000).find((r) => r.filingId === filingId);
    const location = (await c.source.locations()).find((l) => l.id === row?.locationId);
    return {
      id: filingId,
      tenant: String((c.config.source as { tenant?: string }).tenant ?? ''),
      location: location ?? { id: row?.locationId ?? '', name: row?.locationName ?? '', format: 'eml', targets: [target] },
      filedAt: row?.updatedAt ?? new Date().toISOString(),
      message: row?.subject === undefined ? {} : { subject: row.subject },
    };
  }

  private async probe(c: Connector, target: string): Promise<void> {
    const prev = this.probes.get(target);
    if (prev && Date.now() - prev.at < 60_000) return;
    let result: Observed;
    try {
      const { sink } = await c.sinks.get(target);
      const access = await sink.check(AbortSignal.timeout(15_000));
      result =
        access === 'writable'
          ? { state: 'ok', at: Date.now() }
          : access === 'denied'
            ? { state: 'skipped', reason: `No permission to write to ${sink.displayPath}.`, at: Date.now() }
            : { state: 'failing', reason: `${sink.displayPath} does not exist and cannot be created.`, at: Date.now() };
    } catch (raw) {
      const err = toFilingSyncError(raw);
      result = { state: err.kind === 'auth' ? 'needs-sign-in' : 'failing', reason: err.message, at: Date.now() };
    }
    this.probes.set(target, result);
  }

  private async queued(c: Connector): Promise<number> {
    if (this.pendingCache && Date.now() - this.pendingCache.at < 2_000) return this.pendingCache.value;
    let value = c.store.summary().byOutcome.pending;
    if (c.source.pending) {
      try {
        value = (await c.source.pending(AbortSignal.timeout(5_000))).length;
      } catch {
        // The service cannot be asked now: show what the store knows.
      }
    }
    this.pendingCache = { at: Date.now(), value };
    return value;
  }

  private requireConnector(): Connector {
    if (!this.connector) {
      const why = this.stopped?.reason ?? 'it is starting';
      throw new UiRequestError(
        409,
        'stopped',
        `Not available while the connector is stopped (${why}).`,
        this.stopped?.action ? `Start it: ${this.stopped.action}` : 'Start it: check the Status page, fix what it names in Settings, and save.',
      );
    }
    return this.connector;
  }
}

function latest(a: Observed | undefined, b: Observed | undefined): Observed | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.at >= b.at ? a : b;
}
