import {
  bootConnector,
  FilingSyncError,
  ConfigError,
  LeaseLost,
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

  /** Boots and starts the connector. Never rejects: a failed boot is shown as `stopped` with the reason. */
  async start(): Promise<void> {
    if (this.connector) return;
    this.state = 'starting';
    this.stopped = undefined;
    this.options.signIns.reset();
    let connector: Connector;
    try {
      connector = await bootConnector(this.options.host, {
        configPath: this.options.configPath,
        ...(this.options.logDestination ? { logDestination: this.options.logDestination } : {}),
        observer: {
          lease: (s) => {
            if (s.state === 'held') {
              this.state = 'running';
              this.holder = undefined;
            } else if (s.state === 'standing-by') {
              this.state = 'standing-by';
              this.holder = { holder: s.holder, until: s.expiresAt.toISOString() };
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
      .finally(() => {
        this.state = 'stopped';
        this.holder = undefined;
        connector.close();
        if (this.connector === connector) this.connector = undefined;
      });
  }

  /** Stops the connector: in-flight writes finish (or are abandoned after the deadline), the lease is released. */
  async stop(): Promise<void> {
    const c = this.connector;
    if (!c) return;
    c.engine.stop();
    await this.running;
  }

  /** Stops and boots again (after settings changed). */
  async restart(): Promise<void> {
    await this.stop();
    this.locationsCache = undefined;
    this.probes.clear();
    await this.start();
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
    if (filter.outcome && !wanted) throw new ConfigError([{ key: 'outcome', expected: `one of ${known.join(', ')}`, found: filter.outcome }]);
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
   * Writes a skipped or failed target again (the user fixed the cause). Resolves with the
   * target's new outcome (`pending` when it could not be finished now). Rejects with ConfigError
   * when there is nothing to retry, and LeaseLost when this connector is not the one writing.
   */
  async retry(filingId: string, target: string): Promise<string> {
    const c = this.requireConnector();
    if (this.state !== 'running') throw new LeaseLost('This connector is not writing now (standing by or stopped); retry when it runs.');
    const record = c.store.targets(filingId).find((r) => r.target === target);
    if (!record || (record.outcome !== 'failed' && record.outcome !== 'skipped')) {
      throw new ConfigError([{ key: 'retry', expected: 'a target whose outcome is failed or skipped', found: `${filingId} → ${target}: ${record?.outcome ?? 'unknown'}` }]);
    }
    const filing = await this.filingFor(c, filingId, target);
    c.store.resetTarget(filingId, target);
    this.observed.delete(target);
    this.probes.delete(target);
    await c.engine.retryFiling(filing);
    return c.store.targets(filingId).find((r) => r.target === target)?.outcome ?? 'pending';
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
      throw new ConfigError([{ key: '', expected: `a running connector (${this.stopped?.reason ?? 'it is stopped'})` }]);
    }
    return this.connector;
  }
}

function latest(a: Observed | undefined, b: Observed | undefined): Observed | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.at >= b.at ? a : b;
}
