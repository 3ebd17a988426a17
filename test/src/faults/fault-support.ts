/**
 * What the fault files share: the service host's configuration, a seeded random source, message
 * generation, reading the Graph double's folders, and watching a process's memory.
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testCertificate, type FilingServiceDouble, type GraphDouble } from '@filing-sync/doubles';
import { startHost, type HostProcess } from '../e2e/support.js';

export const TOKEN = 'fault-suite-token-8c1e';
export const TENANT_ID = 'faults.onmicrosoft.com';
export const CLIENT_ID = '5e1d0c3b-0000-4000-8000-00000000fa17';
export const CLIENT_SECRET = 'fault-suite-client-secret-~r2Q';

/** mulberry32: a seeded random source, so a failing run can be repeated with the seed it printed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A message for filing `n`: a text body, and an attachment of `attachmentBytes` (base64, folded)
 * when non-zero. The Message-ID and body are unique per `n`, so equal bytes mean the same filing.
 */
export function mail(n: number, attachmentBytes = 0, subject = `Fault suite message ${n}`): string {
  const sent = new Date(Date.UTC(2026, 10, 1, 8, 0, 0) + n * 1000);
  const head = [
    `From: Site Office <office${n % 5}@example.com>`,
    'To: Project Team <team@example.com>',
    `Subject: ${subject}`,
    `Date: ${sent.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <fault-${n}@example.com>`,
    'MIME-Version: 1.0',
  ];
  if (!attachmentBytes) return [...head, 'Content-Type: text/plain; charset=utf-8', '', `Body of message ${n}.`, ''].join('\r\n');
  const data = Buffer.alloc(attachmentBytes, n % 251).toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    ...head, 'Content-Type: multipart/mixed; boundary="fs-b"', '',
    '--fs-b', 'Content-Type: text/plain; charset=utf-8', '', `Body of message ${n}.`,
    '--fs-b', 'Content-Type: application/octet-stream; name="data.bin"', 'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="data.bin"', '', data, '--fs-b--', '',
  ].join('\r\n');
}

/** The doubles' certificate as a PEM file, for `NODE_EXTRA_CA_CERTS` of child processes. */
export async function certificateFile(dir: string): Promise<string> {
  const path = join(dir, 'doubles-ca.pem');
  await writeFile(path, (await testCertificate()).cert);
  return path;
}

/** Options of {@link faultHostConfig}. */
export interface FaultHostConfig {
  dir: string;
  filing: FilingServiceDouble;
  graph?: GraphDouble;
  stateDir: string;
  allowedRoots: string[];
  licence: string;
  connectorId?: string;
  /** Settings merged into `sinks.<name>` (e.g. `{ filesystem: { partialMaxAgeMinutes: 1 } }`). */
  sinkSettings?: Record<string, Record<string, unknown>>;
  /** Core config laid over the suite's defaults (e.g. `{ concurrency: {...} }`). */
  more?: Record<string, unknown>;
}

/**
 * Writes a config file for the service host (`filing-sync run --config`) and returns its path. Defaults are short on purpose
 * (2 s lease, quick retries) so that faults play out in seconds.
 */
export async function faultHostConfig(o: FaultHostConfig): Promise<string> {
  const config = {
    source: { url: o.filing.url, tenant: o.filing.tenant, token: TOKEN },
    stateDir: o.stateDir,
    license: o.licence,
    ...(o.connectorId ? { connectorId: o.connectorId } : {}),
    lease: { ttlSeconds: 2 },
    poll: { intervalSeconds: 0.5, batchSize: 50 },
    retry: { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 2000 },
    concurrency: { filings: 16, defaultPerSink: 8 },
    log: { level: 'warn', files: { enabled: false } },
    sinks: {
      filesystem: { allowedRoots: o.allowedRoots, ...o.sinkSettings?.filesystem },
      ...(o.graph ? { onedrive: { graphBaseUrl: o.graph.url, customHosts: ['127.0.0.1'], ...o.sinkSettings?.onedrive } } : {}),
    },
    ...(o.graph ? { credentials: { 'microsoft-graph': { tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorityHost: o.graph.url } } } : {}),
    ...o.more,
  };
  const path = join(o.dir, `config-${o.connectorId ?? 'host'}.json`.replace(/[^\w.-]/g, '_'));
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}

const running = new Set<HostProcess>();

/**
 * Starts the service host (`filing-sync run [--once] --config <config>`), trusting the doubles'
 * certificate through `NODE_EXTRA_CA_CERTS`.
 */
export function startFaultHost(config: string, once: boolean, caFile: string): HostProcess {
  const host = startHost(['run', ...(once ? ['--once'] : []), '--config', config], { NODE_EXTRA_CA_CERTS: caFile });
  running.add(host);
  void host.exited.then(() => running.delete(host));
  return host;
}

/** Kills every host this suite started that still runs (a failed or timed-out test leaves none behind). */
export async function killLeftoverHosts(): Promise<void> {
  const left = [...running];
  for (const h of left) h.child.kill('SIGKILL');
  await Promise.all(left.map((h) => h.exited));
}

/** Reads a file's bytes. */
export function bytesOf(path: string): Promise<Buffer> {
  return readFile(path);
}

/** Peak resident memory of a process (KiB), sampled from `/proc` while it runs. */
export interface RssWatch {
  /** Stops sampling; resolves with the highest `VmHWM` seen (the kernel's own peak), in KiB. */
  stop(): number;
}

/**
 * Samples `/proc/<pid>/status` every 50 ms. `VmHWM` is the kernel's high-water mark of the
 * process's resident set, so a peak between two samples is still counted; only the last 50 ms
 * before exit can be missed .
 */
export function watchRss(pid: number): RssWatch {
  let peak = 0;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {
      // the process has gone
    }
  };
  sample();
  const timer = setInterval(sample, 50);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** Sleeps. */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every 25 ms until it holds or `ms` pass; resolves whether it held. */
export async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await pause(25);
  }
  return check();
}
