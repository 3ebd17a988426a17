import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LICENCE_FILE_NAME, TRUSTED_LICENCE_KEYS, bootConnector, signLicence, type DrainSummary, type LicencePayload } from '@filing-sync/core';
import { loadManifest, startFilingServiceDouble, type FilingServiceDouble, type Manifest } from '@filing-sync/doubles';
import { serviceHost } from '@filing-sync/host-service';

/** The repository root (this file is test/dist/e2e/support.js once built). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The service host's CLI. */
export const CLI = join(REPO, 'host-service/dist/cli/main.js');

/** The published development signing key: anyone can issue licences with it (never a release key). */
export const DEV_LICENCE_KEY = join(REPO, 'tools/licence-issuer/dev-keys/development-2026.private.pem');

/**
 * Issues a development licence (service variant, valid for a year) for `tenant` into `dir` and
 * returns its path; `over` changes any term (e.g. an expiry in the past).
 */
export async function devLicence(dir: string, tenant: string, over: Partial<LicencePayload> = {}): Promise<string> {
  const keyId = TRUSTED_LICENCE_KEYS.find((k) => k.development)!.keyId;
  const payload: LicencePayload = {
    version: 1, licensee: 'filing-sync tests', tenant, variant: 'service', maxLocations: 100,
    expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(), issuedAt: new Date().toISOString(), keyId, ...over,
  };
  const path = join(dir, LICENCE_FILE_NAME);
  await writeFile(path, signLicence(payload, createPrivateKey(await readFile(DEV_LICENCE_KEY, 'utf8'))));
  return path;
}

/** A running or finished host process with everything it printed. */
export interface HostProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  /** Resolves when the output matches, rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<void>;
}

/** Starts `filing-sync <args>` with the given environment additions. */
export function startHost(args: string[], env: Record<string, string> = {}): HostProcess {
  return startNodeScript(CLI, args, env);
}

/** Starts `node <script> <args>` (e.g. the `npm start` demo) like {@link startHost}. */
export function startNodeScript(script: string, args: string[], env: Record<string, string> = {}): HostProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', script, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: { pattern: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const w of [...waiters]) {
      if (w.pattern.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((res) => child.once('exit', (code, signal) => res(code ?? signal ?? -1)));
  void exited.then(() => {
    for (const w of waiters.splice(0)) w.reject(new Error(`host exited before printing ${w.pattern}:\n${out}`));
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor: (pattern) =>
      pattern.test(out) ? Promise.resolve() : new Promise<void>((resolve, reject) => waiters.push({ pattern, resolve, reject })),
  };
}

/** Runs the host to completion and returns its exit code and output. */
export async function runHost(args: string[], env: Record<string, string> = {}): Promise<{ code: number | string; output: string }> {
  const h = startHost(args, env);
  const code = await h.exited;
  return { code, output: h.output() };
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'filing-sync-e2e-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Every file below `dir`, as paths relative to it. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), r);
      else out.push(r);
    }
  };
  await walk(dir, '');
  return out.sort();
}

/** Whether a path exists. */
export async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** A small RFC 5322 message. */
export function message(n: number, subject = `Message ${n}`, extra = ''): string {
  const sent = new Date(Date.UTC(2026, 10, 28, 14, 46, 13) + n * 60_000);
  return [
    `From: Site Office <office${n % 7}@example.com>`,
    'To: Project Team <team@example.com>',
    `Subject: ${subject}`,
    `Date: ${sent.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <m${n}.${Date.now()}@example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of message ${n}.${extra}`,
    '',
  ].join('\r\n');
}

/** The demo manifest served with its locations' targets replaced, and a way to run the service host on it. */
export interface DemoOnTargets {
  filing: FilingServiceDouble;
  manifest: Manifest;
  /** `run --once` of the real service composition root, in process. */
  runOnce(): Promise<DrainSummary>;
}

/**
 * Serves the bundled demo manifest with each location's targets replaced by `targets`
 * (location id → target URIs), and writes a config for the service host against it — a dev
 * licence, a fresh state folder, and the given `sinks` and `credentials` sections.
 */
export async function demoOnTargets(
  targets: Record<string, string[]>,
  sections: { sinks?: Record<string, unknown>; credentials?: Record<string, unknown> },
): Promise<DemoOnTargets> {
  const manifest = await loadManifest(join(REPO, 'host-service/demo/manifest.json'));
  for (const l of manifest.locations) l.targets = targets[l.id]!;
  const filing = await startFilingServiceDouble({ manifest });
  const dir = await tempDir();
  const config = join(dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      source: { url: filing.url, tenant: manifest.tenant, token: manifest.token },
      stateDir: join(dir, 'state'),
      license: await devLicence(dir, manifest.tenant),
      log: { level: 'warn', files: { enabled: false } },
      ...sections,
    }),
  );
  const runOnce = async (): Promise<DrainSummary> => {
    const connector = await bootConnector(serviceHost(), { configPath: config, logDestination: { write: () => true } });
    try {
      return await connector.engine.run({ once: true });
    } finally {
      connector.close();
    }
  };
  return { filing, manifest, runOnce };
}
