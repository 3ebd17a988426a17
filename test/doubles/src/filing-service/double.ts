/**
 * Starts the filing-service double: a loopback HTTP(S) server that implements the Filing Service API
 * over an in-memory queue loaded from a manifest, with handles for tests.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FaultInjector, FaultKind } from '../kit/faults.js';
import { startDouble, type RecordedRequest } from '../kit/server.js';
import { filingServiceHandler, sendError } from './api.js';
import { loadManifest, resolveManifest, type Manifest } from './manifest.js';
import { FilingQueue, type FilingState, type LeaseGrant, type MessageSource, type ReportRecord, type ReportedOutcome } from './queue.js';
import { summarise, type Summary } from './summary.js';

/** Options of {@link startFilingServiceDouble}. */
export interface FilingServiceDoubleOptions {
  /** The manifest: a path to its JSON file, or the object itself (relative `eml` paths then resolve against `manifestDir`). */
  manifest: string | Manifest;
  /** Folder relative `eml` paths of an object manifest resolve against; the current folder by default. */
  manifestDir?: string;
  /** Resolve relative targets (`./var/filed/...`) against this folder; by default targets are served as written. */
  targetRoot?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Serve HTTPS with the test run's certificate. */
  https?: boolean;
  /** Share of API requests (0 to 1) that fail with 429/503 (with Retry-After), a reset or a timeout. */
  failRate?: number;
  /** Which faults `failRate` draws from; all by default. */
  faultKinds?: readonly FaultKind[];
  /** Seed of the fault draw, to repeat a run. */
  faultSeed?: number;
  /** `Retry-After` seconds on injected 429/503; 1 by default. */
  retryAfterSeconds?: number;
  /** How long an injected timeout holds a request before dropping it; 2000 ms by default. */
  faultTimeoutMs?: number;
  /** How long a claim reserves filings; 30 000 ms by default. */
  visibilityTimeoutMs?: number;
  /** When set, every lease grant and renewal lasts this long, whatever the client asked. */
  leaseTtlMs?: number;
}

/** A filing as the double shows it to tests and on `GET /_double/filings`. */
export interface DoubleFilingView {
  id: string;
  location: string;
  state: FilingState;
  /** How often it was claimed. */
  deliveries: number;
  filedAt: string;
  message: Summary;
  /** Every outcome reported, per target, in order (more than one means it was reported again). */
  outcomes: Record<string, ReportedOutcome[]>;
  /** Every report request, in order. */
  reports: ReportRecord[];
}

/** A filing added while the double runs. */
export interface NewFiling {
  /** Chosen by the double when absent. */
  id?: string;
  location: string;
  /** Path of the raw message; or give `raw`. */
  eml?: string;
  /** The raw message itself. */
  raw?: Buffer | string;
  filedAt?: string;
}

/** A running filing-service double. */
export interface FilingServiceDouble {
  /** Base URL, `http://127.0.0.1:PORT`; the API is under `/v1/tenants/{tenant}`. */
  url: string;
  port: number;
  tenant: string;
  token: string;
  /** The manifest as served (paths resolved). */
  manifest: Manifest;
  /** Fault injection: `faults.setPlan(...)`, `faults.script({kind, match})`, `faults.injected`. */
  faults: FaultInjector;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Every filing with its state and reported outcomes. */
  filings(): DoubleFilingView[];
  /** One filing, or `undefined`. */
  filing(id: string): DoubleFilingView | undefined;
  /** Queues another filing; rejects for an unknown location, a taken id or an unreadable file. */
  addFiling(filing: NewFiling): Promise<DoubleFilingView>;
  /** The current lease, with its id, or `undefined`. */
  lease(): { id: string; holder: string; expiresAt: Date } | undefined;
  /** Every grant of the lease so far, oldest first (who held it, from when until when). */
  leaseHistory(): LeaseGrant[];
  /** Makes the current lease lapse now. */
  expireLease(): void;
  /** Makes every claim's reservation lapse now: those filings are pending, and claimable, again. */
  expireReservations(): void;
  /** Changes the random fault rate (0 turns faults off). */
  setFailRate(rate: number): void;
  close(): Promise<void>;
}

/**
 * Starts the double on 127.0.0.1. Rejects with a `ManifestError` (every problem, each naming its
 * field) for a bad manifest, and names the filing whose message file cannot be read.
 */
export async function startFilingServiceDouble(options: FilingServiceDoubleOptions): Promise<FilingServiceDouble> {
  const manifest =
    typeof options.manifest === 'string'
      ? await loadManifest(options.manifest, options.targetRoot)
      : resolveManifest(options.manifest, {
          baseDir: path.resolve(options.manifestDir ?? '.'),
          ...(options.targetRoot ? { targetRoot: options.targetRoot } : {}),
        });
  const queue = new FilingQueue({
    tenant: manifest.tenant,
    locations: manifest.locations,
    visibilityTimeoutMs: options.visibilityTimeoutMs ?? 30_000,
    ...(options.leaseTtlMs !== undefined ? { leaseTtlMs: options.leaseTtlMs } : {}),
  });
  const startedAt = new Date().toISOString();
  let generated = 0;

  const add = async (f: NewFiling): Promise<DoubleFilingView> => {
    let bytes: Buffer;
    let message: MessageSource;
    if (f.raw !== undefined) {
      bytes = Buffer.isBuffer(f.raw) ? f.raw : Buffer.from(f.raw);
      message = { bytes };
    } else if (f.eml) {
      try {
        bytes = await readFile(f.eml);
      } catch (err) {
        throw new Error(`filing ${f.id ?? '(new)'}: cannot read its message ${f.eml}: ${(err as Error).message}`);
      }
      message = { file: f.eml };
    } else throw new Error('a new filing needs "eml" (a path) or "raw" (the message)');
    if (f.filedAt !== undefined && Number.isNaN(Date.parse(f.filedAt))) throw new Error(`filedAt: expected an ISO 8601 date-time, found ${JSON.stringify(f.filedAt)}`);
    const queued = queue.add({
      id: f.id ?? `F-${++generated}-${Date.now().toString(36)}`,
      locationId: f.location,
      filedAt: f.filedAt ? new Date(f.filedAt).toISOString() : startedAt,
      summary: await summarise(bytes),
      message,
    });
    return view(queued.id)!;
  };

  const view = (id: string): DoubleFilingView | undefined => {
    const f = queue.get(id);
    if (!f) return undefined;
    const outcomes: Record<string, ReportedOutcome[]> = {};
    for (const r of f.reports) for (const o of r.outcomes) (outcomes[o.target] ??= []).push(o);
    return {
      id: f.id,
      location: f.locationId,
      state: queue.stateOf(f),
      deliveries: f.deliveries,
      filedAt: f.filedAt,
      message: f.summary,
      outcomes,
      reports: f.reports,
    };
  };

  for (const f of manifest.filings) await add(f);

  const handler = filingServiceHandler(queue, manifest.token, {
    view: () => queue.all().map((f) => view(f.id)!),
    addFiling: async (body) => {
      const b = (body ?? {}) as Record<string, unknown>;
      return add({
        ...(typeof b.id === 'string' ? { id: b.id } : {}),
        location: String(b.location ?? ''),
        ...(typeof b.eml === 'string' ? { eml: path.resolve(b.eml) } : {}),
        ...(typeof b.raw === 'string' ? { raw: b.raw } : {}),
        ...(typeof b.filedAt === 'string' ? { filedAt: b.filedAt } : {}),
      });
    },
  });

  const faultPlan = (rate: number) => ({
    rate,
    ...(options.faultKinds ? { kinds: options.faultKinds } : {}),
    ...(options.faultSeed !== undefined ? { seed: options.faultSeed } : {}),
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    timeoutMs: options.faultTimeoutMs ?? 2_000,
    // The inspection routes are the test's, not the client's: never fail them.
    applies: (req: { url?: string }) => !req.url?.startsWith('/_double/'),
  });

  const server = await startDouble({
    ...(options.https ? { https: true } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    faults: faultPlan(options.failRate ?? 0),
    errorReply: (res, status, retryAfterSeconds) =>
      sendError(
        res,
        status,
        status === 429 ? 'throttled' : 'unavailable',
        status === 429 ? 'Too many requests; slow down.' : 'The service is temporarily unavailable.',
        undefined,
        { 'retry-after': String(retryAfterSeconds) },
      ),
    handler,
  });

  return {
    url: server.url,
    port: server.port,
    tenant: manifest.tenant,
    token: manifest.token,
    manifest,
    faults: server.faults,
    requests: server.requests,
    filings: () => queue.all().map((f) => view(f.id)!),
    filing: view,
    addFiling: add,
    lease: () => {
      const l = queue.currentLease();
      return l ? { id: l.id, holder: l.holder, expiresAt: new Date(l.expiresAt) } : undefined;
    },
    leaseHistory: () => queue.leaseHistory.map((g) => ({ ...g })),
    expireLease: () => queue.expireLease(),
    expireReservations: () => queue.expireReservations(),
    setFailRate: (rate) => server.faults.setPlan(faultPlan(rate)),
    close: () => server.close(),
  };
}
