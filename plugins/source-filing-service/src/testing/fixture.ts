/**
 * Test fixture: a filing-service double with a few small messages, and a source pointed at it.
 * Only used by tests (compiled under dist/testing, left out of the published files).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { SecretRegistry } from '@filing-sync/core';
import { startFilingServiceDouble, type FilingServiceDouble, type FilingServiceDoubleOptions } from '@filing-sync/doubles';
import { pino } from 'pino';
import { FilingServiceSource } from '../filing-service-source.js';
import { type FilingServiceConfig, resolveConfig } from '../config.js';

export const TOKEN = 'tok-3c1f9a7e-very-secret';

/** A raw RFC 5322 message. */
export function message(n: number, extra = ''): string {
  return [
    `Message-ID: <m${n}@example.test>`,
    `Date: Sat, 28 Nov 2026 14:46:${String(n % 60).padStart(2, '0')} +0100`,
    `From: "Ann Example" <ann@example.test>`,
    `To: bob@example.test`,
    `Subject: Site visit ${n}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Notes of visit ${n}.${extra}`,
    '',
  ].join('\r\n');
}

/** A running double, a log capture and a way to make sources. */
export interface Fixture {
  dir: string;
  double: FilingServiceDouble;
  /** Everything the sources logged, as JSON lines. */
  log: string[];
  source(overrides?: Partial<FilingServiceConfig>, secrets?: SecretRegistry): FilingServiceSource;
  close(): Promise<void>;
}

/** Starts a double with `filings` messages over three locations (one with two targets). */
export async function startFixture(filings = 3, options: Partial<FilingServiceDoubleOptions> = {}): Promise<Fixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fs-source-'));
  const manifestFilings = [];
  for (let i = 1; i <= filings; i++) {
    await writeFile(path.join(dir, `m${i}.eml`), message(i));
    manifestFilings.push({ id: `F${i}`, location: i % 2 ? 'L1' : 'L2', eml: `m${i}.eml`, filedAt: '2026-11-28T15:00:00Z' });
  }
  const manifest = {
    tenant: 't1',
    token: TOKEN,
    locations: [
      { id: 'L1', name: 'Surrey Court', format: 'eml', targets: [path.join(dir, 'out', 'surrey')] },
      { id: 'L2', name: 'Harbour Bridge', format: 'msg', targets: [path.join(dir, 'out', 'harbour-a'), path.join(dir, 'out', 'harbour-b')] },
      { id: 'L3', name: 'Empty', format: 'eml', targets: [] },
    ],
    filings: manifestFilings,
  };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  const double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json'), ...options });
  const log: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'trace' }, sink);
  return {
    dir,
    double,
    log,
    // Far longer than any stall of a loaded machine: a request timed out after the double had answered it is sent
    // again (a repeated claim reserves other filings). Tests about timeouts set their own.
    source: (overrides = {}, secrets) =>
      new FilingServiceSource(
        resolveConfig({ url: double.url, tenant: 't1', token: TOKEN, timeoutMs: 10_000, retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50 }, ...overrides }),
        logger,
        secrets,
      ),
    close: async () => {
      await double.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
