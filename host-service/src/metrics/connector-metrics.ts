import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Connector, EngineObserver, LeaseState } from '@filing-sync/core';

/** What `/healthz` answers. */
export interface Health {
  /** `ok`, `standing-by` (another connector holds the lease), `starting`, or `unhealthy`. */
  status: 'ok' | 'standing-by' | 'starting' | 'unhealthy';
  /** Why it is unhealthy. */
  reason?: string;
  lease: { state: string; holder?: string; expiresAt?: string };
  lastSuccessfulPollAt: string | null;
  lastSuccessfulPollAgeSeconds: number | null;
}

/**
 * The connector's Prometheus metrics and health, fed by the engine's observer callbacks:
 * target outcomes by outcome and sink, write latency, retries, lease state, the local backlog
 * (queue depth) and the last successful poll.
 * @public
 */
export class ConnectorMetrics {
  /** The registry `/metrics` serves (own, not prom-client's global one). */
  readonly registry = new Registry();
  private connector: Connector | undefined;
  private lease: LeaseState | undefined;
  private lastPollAt: Date | undefined;
  private lastProgressAt: Date | undefined;
  private readonly startedAt = new Date();
  private pollIntervalMs = 30_000;

  private readonly outcomes = new Counter({
    name: 'filing_sync_target_outcomes_total', help: 'Final outcomes of filing targets, by outcome and sink plugin.', labelNames: ['outcome', 'sink'], registers: [this.registry],
  });
  private readonly writeSeconds = new Histogram({
    name: 'filing_sync_write_duration_seconds', help: 'Time to write one filing to one target (render, name, write, with retries), by sink plugin.',
    labelNames: ['sink'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers: [this.registry],
  });
  private readonly retries = new Counter({ name: 'filing_sync_retries_total', help: 'Retried writes after transient failures, by sink plugin.', labelNames: ['sink'], registers: [this.registry] });
  private readonly leftPending = new Counter({
    name: 'filing_sync_targets_left_pending_total', help: 'Targets left pending for a later pass (retries exhausted, auth, target missing), by sink plugin and error kind.',
    labelNames: ['sink', 'kind'], registers: [this.registry],
  });
  private readonly reported = new Counter({ name: 'filing_sync_filings_reported_total', help: 'Filings reported to the filing service.', registers: [this.registry] });
  private readonly polled = new Counter({ name: 'filing_sync_filings_polled_total', help: 'Filings received from the filing service (redeliveries included).', registers: [this.registry] });

  constructor() {
    const self = this;
    new Gauge({
      name: 'filing_sync_lease_held', help: '1 while this connector holds the tenant lease, else 0.', registers: [this.registry],
      collect() {
        this.set(self.lease?.state === 'held' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'filing_sync_lease_state', help: 'The tenant lease as this connector sees it (1 for the current state).', labelNames: ['state'], registers: [this.registry],
      collect() {
        this.reset();
        this.set({ state: self.lease?.state ?? 'starting' }, 1);
      },
    });
    new Gauge({
      name: 'filing_sync_queue_depth', help: 'Filings received and not yet reported (in progress or pending a later pass).', registers: [this.registry],
      collect() {
        const s = self.summary();
        if (s) this.set(s.unreported);
      },
    });
    new Gauge({
      name: 'filing_sync_pending_targets', help: 'Targets without a final outcome yet.', registers: [this.registry],
      collect() {
        const s = self.summary();
        if (s) this.set(s.byOutcome.pending);
      },
    });
    new Gauge({
      name: 'filing_sync_last_successful_poll_timestamp_seconds', help: 'When the filing service last answered a poll (Unix time).', registers: [this.registry],
      collect() {
        if (self.lastPollAt) this.set(self.lastPollAt.getTime() / 1000);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'filing_sync_' });
  }

  /** Connects the metrics to a booted connector (sink names of targets, the state store). */
  attach(connector: Connector): void {
    this.connector = connector;
    this.pollIntervalMs = connector.config.poll.intervalSeconds * 1000;
  }

  /** The observer to hand `bootConnector`. Never throws. */
  observer(): EngineObserver {
    return {
      lease: (s) => {
        this.lease = s;
      },
      polled: (n) => {
        this.lastPollAt = new Date();
        this.lastProgressAt = this.lastPollAt;
        this.polled.inc(n);
      },
      outcome: (_filing, o, ms) => {
        const sink = this.sinkOf(o.target);
        this.outcomes.inc({ outcome: o.outcome, sink });
        this.writeSeconds.observe({ sink }, ms / 1000);
        this.lastProgressAt = new Date();
      },
      pending: (_filing, target, err) => this.leftPending.inc({ sink: this.sinkOf(target), kind: err.kind }),
      reported: () => this.reported.inc(),
      retry: (target) => this.retries.inc({ sink: this.sinkOf(target) }),
    };
  }

  /**
   * Health for `/healthz`: ok while the lease is held and the service answered (or a write
   * finished) within three poll intervals (at least two minutes); standing-by while another
   * connector holds the lease; starting before the first lease attempt (for a minute).
   */
  health(now = new Date()): Health {
    const staleMs = Math.max(3 * this.pollIntervalMs, 120_000);
    const l = this.lease;
    const lease =
      l?.state === 'held' ? { state: 'held', holder: l.lease.holder, expiresAt: l.lease.expiresAt.toISOString() }
        : l?.state === 'standing-by' ? { state: 'standing-by', holder: l.holder, expiresAt: l.expiresAt.toISOString() }
          : { state: l?.state ?? 'starting' };
    const base = {
      lease,
      lastSuccessfulPollAt: this.lastPollAt?.toISOString() ?? null,
      lastSuccessfulPollAgeSeconds: this.lastPollAt ? Math.round((now.getTime() - this.lastPollAt.getTime()) / 1000) : null,
    };
    if (l?.state === 'standing-by') return { status: 'standing-by', ...base };
    if (!l) {
      return now.getTime() - this.startedAt.getTime() < 60_000 ? { status: 'starting', ...base } : { status: 'unhealthy', reason: 'the tenant lease was never acquired', ...base };
    }
    if (l.state !== 'held') return { status: 'unhealthy', reason: `the tenant lease is ${l.state}`, ...base };
    const since = this.lastProgressAt ?? this.startedAt;
    if (now.getTime() - since.getTime() > staleMs) return { status: 'unhealthy', reason: `no successful poll or write for ${Math.round((now.getTime() - since.getTime()) / 1000)} s`, ...base };
    return { status: 'ok', ...base };
  }

  private summary() {
    try {
      return this.connector?.store.summary();
    } catch {
      return undefined;
    }
  }

  private sinkOf(target: string): string {
    try {
      return this.connector?.sinks.factoryFor(target).name ?? 'unknown';
    } catch {
      return 'unknown';
    }
  }
}
