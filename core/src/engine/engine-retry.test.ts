import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { expect } from 'chai';
import type { Filing, TargetOutcome } from '../contracts/filing.js';
import type { Formatter } from '../contracts/formatter.js';
import type { Lease } from '../contracts/lease.js';
import { WINDOWS_PATH_RULES } from '../contracts/path-rules.js';
import type { SinkFactory } from '../contracts/sink-factory.js';
import type { EntryInfo, Sink, TargetAccess } from '../contracts/sink.js';
import type { Source } from '../contracts/source.js';
import { LeaseLost } from '../contracts/lease.js';
import { createLogger } from '../logging/logger.js';
import { NameTemplate } from '../naming/name-template.js';
import { StateStore } from '../state/state-store.js';
import { Engine } from './engine.js';
import { SinkRegistry } from './sink-registry.js';

const RAW = 'From: Ana <ana@example.com>\r\nSubject: Crane booking\r\nDate: Sat, 28 Nov 2026 14:46:13 +0000\r\n\r\nBody\r\n';

/** A source with a fixed queue: each filing is delivered once, reports are kept. */
function memorySource(filings: Filing[]): Source & { reports: { id: string; outcomes: TargetOutcome[] }[] } {
  const queue = [...filings];
  const reports: { id: string; outcomes: TargetOutcome[] }[] = [];
  const lease = (): Lease => ({ id: 'lease-1', holder: 'test', expiresAt: new Date(Date.now() + 60_000) });
  return {
    reports,
    acquireLease: async () => lease(),
    renewLease: async () => lease(),
    releaseLease: async () => {},
    poll: async (_l, max) => queue.splice(0, max),
    content: async () => Readable.from([Buffer.from(RAW)]),
    report: async (_l, filing, outcomes) => void reports.push({ id: filing.id, outcomes }),
    locations: async () => filings.map((f) => f.location),
    pending: async () => [],
  };
}

/** An in-memory sink scheme `mem:` whose access can be switched. */
function memorySinks(): { factory: SinkFactory; files: Map<string, Buffer>; access: { value: TargetAccess }; checks: { count: number; fail: number } } {
  const files = new Map<string, Buffer>();
  const access = { value: 'writable' as TargetAccess };
  // `fail` checks from now on reject, as an unreachable share would.
  const checks = { count: 0, fail: 0 };
  const entry = (name: string): EntryInfo => ({ name, path: `mem:/${name}`, size: files.get(name)!.length });
  const sink: Sink = {
    capabilities: { pathRules: WINDOWS_PATH_RULES, hashKind: undefined, atomicCreate: true, setsModifiedTime: false },
    folderPathLength: 10,
    displayPath: 'mem:/folder',
    check: async () => {
      checks.count++;
      await new Promise((r) => setTimeout(r, 5));
      if (checks.fail > 0) {
        checks.fail--;
        throw Object.assign(new Error('share not reachable'), { code: 'ETIMEDOUT' });
      }
      return access.value;
    },
    stat: async (name) => (files.has(name) ? entry(name) : undefined),
    create: async (name, content) => {
      if (files.has(name)) return { created: false, existing: entry(name) };
      const chunks: Buffer[] = [];
      for await (const c of content.open()) chunks.push(c as Buffer);
      files.set(name, Buffer.concat(chunks));
      return { created: true, entry: entry(name) };
    },
  };
  const factory = { name: 'memory', schemes: ['mem'], description: 'memory', configSchema: {} as never, create: async () => sink } as SinkFactory;
  return { factory, files, access, checks };
}

const formatter = (name: string): Formatter => ({
  name,
  extension: `.${name}`,
  mediaType: 'application/octet-stream',
  // Hands the message through: the test is about which formatter is chosen, not what it makes.
  render: async (m) => m,
});

describe('Engine: default format, target checks and a user\'s retry', () => {
  let dir: string;
  let store: StateStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-engine-retry-'));
    store = StateStore.open(join(dir, 'state'));
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  function engine(source: Source, sinks: ReturnType<typeof memorySinks>, defaultFormat?: string, filingConcurrency = 2): Engine {
    const logger = createLogger({ level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const registry = new SinkRegistry([sinks.factory], () => ({}), { credentials: { get: async () => ({ type: 'secret', values: {} }), invalidate: () => {} }, logger });
    return new Engine(
      { source, store, sinks: registry, formatters: [formatter('eml'), formatter('msg')], logger },
      {
        connectorId: 'test', leaseTtlMs: 60_000, pollIntervalMs: 50, batchSize: 10, filingConcurrency, perSink: {}, defaultPerSink: filingConcurrency,
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, template: NameTemplate.default, spoolDir: join(dir, 'spool'), stopDeadlineMs: 1000,
        ...(defaultFormat ? { defaultFormat } : {}),
      },
    );
  }

  const filing = (id: string, format: string): Filing => ({
    id, tenant: 't1', filedAt: '2026-11-28T15:00:00Z', message: { subject: 'Crane booking' },
    location: { id: 'L1', name: 'Harbour', format, targets: ['mem:/folder'] },
  });

  it('writes a location that names no format in the configured default format', async () => {
    const sinks = memorySinks();
    await engine(memorySource([filing('F1', ''), filing('F2', 'eml')]), sinks, 'msg').run({ once: true });
    expect([...sinks.files.keys()].sort()).to.deep.equal(['20261128T144613Z Crane booking.eml', '20261128T144613Z Crane booking.msg']);
  });

  it('writes a skipped target again on retry, after the cause is gone, and reports the new outcome', async () => {
    const sinks = memorySinks();
    sinks.access.value = 'denied';
    const source = memorySource([filing('F1', 'eml')]);
    const e = engine(source, sinks);
    // Without the lease a retry is refused rather than written behind another connector's back.
    await e.retryFiling(filing('F1', 'eml')).then(() => expect.fail('retried without the lease'), (err: unknown) => expect(err).to.be.instanceOf(LeaseLost));
    const running = e.run();
    for (let i = 0; i < 100 && source.reports.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(source.reports.map((r) => r.outcomes[0]!.outcome)).to.deep.equal(['skipped']);

    sinks.access.value = 'writable';
    expect(store.resetTarget('F1', 'mem:/folder')).to.equal(true);
    // The engine checked the target a moment ago ("denied", kept for a minute): the retry checks again.
    expect(await e.retryFiling(filing('F1', 'eml'))).to.equal(true);
    e.stop();
    await running;
    expect([...sinks.files.keys()]).to.deep.equal(['20261128T144613Z Crane booking.eml']);
    expect(source.reports.map((r) => r.outcomes[0]!.outcome)).to.deep.equal(['skipped', 'created']);
    expect(store.targets('F1')[0]!.outcome).to.equal('created');
  });

  it('checks a target once for filings that start on it together, and again after a check that failed', async () => {
    const sinks = memorySinks();
    const many = Array.from({ length: 8 }, (_, i) => filing(`F${i}`, 'eml'));
    const all = memorySource(many);
    await engine(all, sinks, undefined, 8).run({ once: true });
    expect(all.reports).to.have.length(8);
    expect(sinks.checks.count, 'eight filings at once, one check').to.equal(1);

    const again = memorySinks();
    again.checks.fail = 1;
    const source = memorySource([filing('G0', 'eml'), filing('G1', 'eml')]);
    await engine(source, again, undefined, 1).run({ once: true });
    // The first filing's check failed (it stays pending); the second checks again rather than reuse the failure.
    expect(again.checks.count).to.equal(2);
    expect(source.reports.map((r) => r.id)).to.deep.equal(['G1']);
    expect(store.targets('G0')[0]!.outcome).to.equal(null);
  });
});
