/**
 * Test helpers for engine tests: a source with a fixed queue, an in-memory sink and a pass-through
 * formatter. Only used by tests (left out of the published files).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { Filing, TargetOutcome } from '../contracts/filing.js';
import type { Formatter } from '../contracts/formatter.js';
import type { Lease } from '../contracts/lease.js';
import { WINDOWS_PATH_RULES } from '../contracts/path-rules.js';
import type { SinkFactory } from '../contracts/sink-factory.js';
import type { EntryInfo, Sink, TargetAccess } from '../contracts/sink.js';
import type { Source } from '../contracts/source.js';
import { createLogger } from '../logging/logger.js';
import type { SecretRegistry } from '../logging/secret-registry.js';
import { NameTemplate } from '../naming/name-template.js';
import { StateStore } from '../state/state-store.js';
import { Engine, type EngineObserver } from './engine.js';
import { SinkRegistry } from './sink-registry.js';

/** The message every filing of {@link memorySource} has unless it is given others. */
export const RAW = 'From: Ana <ana@example.com>\r\nSubject: Crane booking\r\nDate: Sat, 28 Nov 2026 14:46:13 +0000\r\n\r\nBody\r\n';

/** A filing of location "Harbour" (EML, one memory target unless `o` says otherwise). */
export function testFiling(id: string, o: { subject?: string; targets?: string[]; format?: string } = {}): Filing {
  return {
    id, tenant: 't1', filedAt: '2026-11-28T15:00:00Z', message: { subject: o.subject ?? 'Crane booking' },
    location: { id: 'L1', name: 'Harbour', format: o.format ?? 'eml', targets: o.targets ?? ['mem:/folder'] },
  };
}

/** A source with a fixed queue: each filing is delivered once, reports are kept. */
export function memorySource(filings: Filing[], raw: (f: Filing) => string = () => RAW): Source & { reports: { id: string; outcomes: TargetOutcome[] }[] } {
  const queue = [...filings];
  const reports: { id: string; outcomes: TargetOutcome[] }[] = [];
  const lease = (): Lease => ({ id: 'lease-1', holder: 'test', expiresAt: new Date(Date.now() + 60_000) });
  return {
    reports,
    acquireLease: async () => lease(),
    renewLease: async () => lease(),
    releaseLease: async () => {},
    poll: async (_l, max) => queue.splice(0, max),
    content: async (_l, filing) => Readable.from([Buffer.from(raw(filing))]),
    report: async (_l, filing, outcomes) => void reports.push({ id: filing.id, outcomes }),
    locations: async () => filings.map((f) => f.location),
    pending: async () => [],
  };
}

/** An in-memory sink scheme `mem:` whose access can be switched. */
export function memorySinks(delay: (name: string) => Promise<void> = async () => {}): { factory: SinkFactory; files: Map<string, Buffer>; access: { value: TargetAccess }; checks: { count: number; fail: number } } {
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
      await delay(name);
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

/** A formatter called `name` that hands the message through unchanged. */
export const formatter = (name: string): Formatter => ({
  name,
  extension: `.${name}`,
  mediaType: 'application/octet-stream',
  // Hands the message through: the test is about which formatter is chosen, not what it makes.
  render: async (m) => m,
});

/** An engine over `source` and the memory sinks, writing its spool under `dir`; no retries, silent. */
export function testEngine(o: {
  store: StateStore;
  dir: string;
  source: Source;
  sinks: ReturnType<typeof memorySinks>;
  defaultFormat?: string;
  filingConcurrency?: number;
  batchSize?: number;
  observer?: EngineObserver;
  spoolBudgetBytes?: number;
  /** Writes at once on the memory sink (default: `filingConcurrency`). */
  perSink?: number;
  stopDeadlineMs?: number;
  spoolDir?: string;
  leaseTtlMs?: number;
  secrets?: SecretRegistry;
  /** Replaces the pass-through `eml` and `msg` formatters. */
  formatters?: Formatter[];
  /** Attempts per step within one delivery (default 1: no retries). */
  maxAttempts?: number;
}): Engine {
  const concurrency = o.filingConcurrency ?? 2;
  const logger = createLogger({ level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const registry = new SinkRegistry([o.sinks.factory], () => ({}), { credentials: { get: async () => ({ type: 'secret', values: {} }), invalidate: () => {} }, logger });
  return new Engine(
    { source: o.source, store: o.store, sinks: registry, formatters: o.formatters ?? [formatter('eml'), formatter('msg')], logger, ...(o.observer ? { observer: o.observer } : {}), ...(o.secrets ? { secrets: o.secrets } : {}) },
    {
      connectorId: 'test', leaseTtlMs: o.leaseTtlMs ?? 60_000, pollIntervalMs: 50, batchSize: o.batchSize ?? 10, filingConcurrency: concurrency, perSink: {}, defaultPerSink: o.perSink ?? concurrency,
      retry: { maxAttempts: o.maxAttempts ?? 1, baseDelayMs: 0, maxDelayMs: 0 }, template: NameTemplate.default, spoolDir: o.spoolDir ?? join(o.dir, 'spool'), stopDeadlineMs: o.stopDeadlineMs ?? 1000,
      ...(o.defaultFormat ? { defaultFormat: o.defaultFormat } : {}),
      ...(o.spoolBudgetBytes !== undefined ? { spoolBudgetBytes: o.spoolBudgetBytes } : {}),
    },
  );
}

/**
 * Gives each test of the calling `describe` a fresh folder and a state store in it (mocha hooks), closed
 * and removed afterwards. Read `dir` and `store` inside tests only.
 */
export function useTempStore(prefix: string): { readonly dir: string; readonly store: StateStore } {
  let dir: string | undefined;
  let store: StateStore | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    store = StateStore.open(join(dir, 'state'));
  });
  afterEach(async () => {
    store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir!;
    },
    get store() {
      return store!;
    },
  };
}
