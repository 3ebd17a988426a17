import 'reflect-metadata';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { bootConnector, StateStore } from '@filing-sync/core';
import { startFilingServiceDouble } from '@filing-sync/doubles';
import { SERVICE_PLUGINS, benchLicence, silent } from './bench-support.js';

/** The figures of {@link stateStoreScale}. */
export interface StateStoreScaleResult {
  recorded: number;
  storeMiB: number;
  prefillSeconds: number;
  drained: number;
  emptyPerSecond: number;
  fullPerSecond: number;
  /** fullPerSecond / emptyPerSecond. */
  ratio: number;
}

/**
 * Writes `count` reported filings (one created target each) into a migrated store, as rows like
 * those `beginFiling` → `recordOutcome` → `markReported` leave, in one transaction with prepared
 * statements: the store's own methods would take minutes (one fsync per commit). The benchmark
 * reaches the store's connection for this prefill only.
 */
function prefill(dir: string, count: number): void {
  const store = StateStore.open(dir);
  try {
    const db = (store as unknown as { db: Database.Database }).db;
    const filing = db.prepare(
      `INSERT INTO filings (filing_id, tenant, location_id, location_name, subject, first_seen_at, deliveries, reported_at) VALUES (?, 'bench', ?, ?, ?, ?, 1, ?)`,
    );
    const outcome = db.prepare(
      `INSERT INTO target_outcomes (filing_id, target, outcome, path, bytes, hash_kind, hash, format, attempts, created_at, updated_at)
       VALUES (?, ?, 'created', ?, 4096, 'sha256', ?, 'eml', 1, ?, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const at = new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();
        const id = `P${i}`;
        filing.run(id, `L${i % 500}`, `Location ${i % 500}`, `Recorded message ${i}`, at, at);
        outcome.run(id, `/srv/projects/location-${i % 500}/email`, `20250101T000000Z Recorded message ${i}.eml`, i.toString(16).padStart(64, '0'), at, at);
      }
    })();
  } finally {
    store.close();
  }
}

/** One drain of `count` small EML filings to a folder with the state store in `stateDir`; filings per second. */
async function drain(root: string, stateDir: string, count: number, tag: string, licence: string): Promise<number> {
  const target = join(root, `filed-${tag}`);
  await mkdir(target, { recursive: true });
  const double = await startFilingServiceDouble({
    manifest: { tenant: 'bench', token: 'bench-token', locations: [{ id: 'L1', name: 'Bench', format: 'eml', targets: [target] }], filings: [] },
  });
  try {
    for (let i = 0; i < count; i++) {
      await double.addFiling({
        id: `${tag}-${i}`, location: 'L1',
        raw: `From: a@example.com\r\nTo: b@example.com\r\nSubject: Drain ${tag} ${i}\r\nDate: Sat, 28 Nov 2026 14:46:13 +0000\r\nMessage-ID: <${tag}-${i}@example.com>\r\n\r\n${'Body text. '.repeat(300)}\r\n`,
      });
    }
    const connector = await bootConnector(
      { variant: 'service', plugins: SERVICE_PLUGINS, credentialFactories: [], resolveFrom: import.meta.url },
      {
        overrides: [
          { key: 'source.url', value: double.url }, { key: 'source.tenant', value: 'bench' }, { key: 'source.token', value: 'bench-token' },
          { key: 'stateDir', value: stateDir }, { key: 'sinks.filesystem.allowedRoots', value: [root] },
          { key: 'poll.batchSize', value: 100 }, { key: 'log.level', value: 'error' }, { key: 'log.files.enabled', value: false }, { key: 'license', value: licence },
        ],
        logDestination: silent(),
      },
    );
    try {
      const started = performance.now();
      const summary = await connector.engine.run({ once: true });
      const seconds = (performance.now() - started) / 1000;
      if (summary.reported !== count) throw new Error(`drain ${tag}: reported ${summary.reported} of ${count}`);
      return count / seconds;
    } finally {
      connector.close();
    }
  } finally {
    await double.close();
    await rm(target, { recursive: true, force: true });
  }
}

/**
 * Drain throughput with a state store that already holds `recorded` reported filings against an
 * empty one, each measured five times in alternation (empty, full, …); the best run of each counts (the
 * machine's noise only ever slows a run down).
 */
export async function stateStoreScale(recorded = 1_000_000, drained = 1000): Promise<StateStoreScaleResult> {
  const root = await mkdtemp(join(tmpdir(), 'filing-sync-bench-store-'));
  try {
    const licence = await benchLicence(root, 'bench');
    const full = join(root, 'state-full');
    const started = performance.now();
    prefill(full, recorded);
    const prefillSeconds = (performance.now() - started) / 1000;
    const storeMiB = (await stat(join(full, 'state.sqlite'))).size / 1024 / 1024;
    const empty: number[] = [];
    const filled: number[] = [];
    for (let round = 0; round < 5; round++) {
      empty.push(await drain(root, join(root, `state-empty-${round}`), drained, `e${round}`, licence));
      filled.push(await drain(root, full, drained, `f${round}`, licence));
    }
    const emptyPerSecond = Math.max(...empty);
    const fullPerSecond = Math.max(...filled);
    return { recorded, storeMiB, prefillSeconds, drained, emptyPerSecond, fullPerSecond, ratio: fullPerSecond / emptyPerSecond };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
