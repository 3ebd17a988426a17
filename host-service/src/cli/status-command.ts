import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ConnectorConfigSchema, StateStore, configBaseDir, validateConfig,
  type ActivityRecord, type ConnectorConfig, type StoreSummary,
} from '@filing-sync/core';
import { readConfigKeys } from './config-keys.js';
import { reportFailure } from './report-failure.js';
import { toOverrides, type RunOptions } from './run-options.js';

/** What `status --json` prints. */
export interface StatusReport {
  stateDir: string;
  summary: StoreSummary;
  lease?: unknown;
  lastPollAt?: string;
  /** Per location, its most recent problems (failed, skipped, pending with an error). */
  problems: Record<string, { target: string; outcome: string; reason: string; at: string; subject?: string }[]>;
}

/**
 * `filing-sync status`: counts by outcome, the latest problems per location and the lease as the
 * connector last saw it, read from the state store without disturbing a running connector. Needs
 * none of the service's secrets: only `stateDir` of the config is resolved.
 */
export async function statusCommand(options: RunOptions & { json?: boolean }): Promise<void> {
  try {
    const config = readConfigKeys(options.config, toOverrides(options), ['stateDir']);
    validateConfig(config, [{ path: '', schema: ConnectorConfigSchema }]);
    const stateDir = resolve(configBaseDir(options.config), (config as unknown as ConnectorConfig).stateDir);
    if (!existsSync(join(stateDir, 'state.sqlite'))) {
      process.stdout.write(options.json ? `${JSON.stringify({ stateDir, summary: null })}\n` : `Nothing recorded yet in ${stateDir}.\n`);
      return;
    }
    const store = StateStore.open(stateDir, { readOnly: true });
    try {
      const report = buildReport(store, stateDir);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
    } finally {
      store.close();
    }
  } catch (err) {
    process.exitCode = reportFailure(err);
  }
}

function buildReport(store: StateStore, stateDir: string): StatusReport {
  const problems: StatusReport['problems'] = {};
  const recent: ActivityRecord[] = store.recent(200, ['failed', 'skipped', 'pending']);
  for (const r of recent) {
    if (r.outcome === null && !r.lastError) continue;
    const list = (problems[r.locationName] ??= []);
    if (list.length >= 5) continue;
    list.push({
      target: r.target,
      outcome: r.outcome ?? 'pending',
      reason: r.reason ?? r.lastError ?? '',
      at: r.updatedAt,
      ...(r.subject === undefined ? {} : { subject: r.subject }),
    });
  }
  const lease = store.getMeta('lease');
  const lastPollAt = store.getMeta('lastPollAt');
  return {
    stateDir,
    summary: store.summary(),
    ...(lease ? { lease: JSON.parse(lease) as unknown } : {}),
    ...(lastPollAt ? { lastPollAt } : {}),
    problems,
  };
}

function render(r: StatusReport): string {
  const o = r.summary.byOutcome;
  const lines = [
    `State: ${r.stateDir}`,
    `Filings: ${r.summary.filings} (${r.summary.unreported} not yet reported)`,
    `Targets: ${o.created} created, ${o.identical} identical, ${o.renamed} renamed, ${o.degraded} degraded, ${o.skipped} skipped, ${o.failed} failed, ${o.pending} pending`,
    `Last poll: ${r.lastPollAt ?? 'never'}`,
    `Lease: ${describeLease(r.lease)}`,
  ];
  const locations = Object.keys(r.problems);
  if (locations.length) {
    lines.push('Problems:');
    for (const l of locations) {
      lines.push(`  ${l}`);
      for (const p of r.problems[l]!) lines.push(`    ${p.outcome.padEnd(8)} ${p.target}: ${p.reason}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function describeLease(lease: unknown): string {
  const l = lease as { state?: string; holder?: string; expiresAt?: string; lease?: { holder: string; expiresAt: string }; at?: string } | undefined;
  if (!l?.state) return 'unknown (never run)';
  if (l.state === 'held') return `held by this connector (${l.lease?.holder}) until ${l.lease?.expiresAt}`;
  if (l.state === 'standing-by') return `standing by: held by ${l.holder} until ${l.expiresAt}`;
  return l.state;
}
