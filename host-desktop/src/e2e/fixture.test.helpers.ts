import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { LICENCE_FILE_NAME, TRUSTED_LICENCE_KEYS, signLicence, type LicencePayload } from '@filing-sync/core';
import { GraphDouble, startFilingServiceDouble, trustTestCertificate, type FilingServiceDouble, type ManifestLocation } from '@filing-sync/doubles';
import { SignIns } from '../auth/sign-ins.js';
import { TokenVault } from '../auth/token-vault.js';
import { desktopHost } from '../composition.js';
import { DesktopApp } from '../desktop-app.js';
import { startUiServer, type UiServer } from '../ui/ui-server.js';

/** The repository root (this file is host-desktop/dist/e2e/… once built). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The public development licence key's private half (published; never a release key). */
const DEV_LICENCE_KEY = join(REPO, 'tools/licence-issuer/dev-keys/development-2026.private.pem');

/** The Microsoft app registration the tests sign in with (a public client: no secret). */
export const DESKTOP_CLIENT_ID = '6a7e0b44-desktop-public-client';

/** A small RFC 5322 message. */
export function message(subject: string, sentAt = new Date('2026-11-28T14:46:13Z')): string {
  return [
    `From: Ana Ruiz <ana.ruiz@example.com>`,
    `To: Projects <projects@example.com>`,
    `Subject: ${subject}`,
    `Date: ${sentAt.toUTCString()}`,
    `Message-ID: <${subject.replace(/\W+/g, '.')}.${sentAt.getTime()}@example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Notes for ${subject}.`,
    '',
  ].join('\r\n');
}

/** Makes a folder unwritable even for root (CI runs as root), or writable again. */
export function chattr(flag: '+i' | '-i', folder: string): void {
  const r = spawnSync('chattr', [flag, folder]);
  if (r.status !== 0) throw new Error(`chattr ${flag} ${folder} failed: ${r.stderr?.toString() ?? r.error?.message}`);
}

/** Options of {@link startDesktop}. */
export interface DesktopFixtureOptions {
  /** Locations by name → target folder names (under the fixture's targets folder) or URIs. */
  locations: { id: string; name: string; format: 'eml' | 'msg'; targets: string[] }[];
  /** Start the Graph double and configure the Microsoft sign-in against it. */
  graph?: boolean;
  /** Extra roots the filesystem sink may write under (besides the targets folder). */
  allowedRoots?: string[];
}

/** A desktop program running in-process against the doubles. */
export interface DesktopFixture {
  dir: string;
  dataDir: string;
  configPath: string;
  targetsDir: string;
  filing: FilingServiceDouble;
  graph?: GraphDouble;
  signIns: SignIns;
  vault: TokenVault;
  app: DesktopApp;
  ui: UiServer;
  /** A client that entered the page as the program's user does (through the entry address). */
  session: PageSession;
  /** Folders the UI asked to open. */
  opened: string[];
  /** Resolves `target` names of the options to the paths served to the connector. */
  target(name: string): string;
  close(): Promise<void>;
}

const quiet = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

/**
 * Starts the filing-service double (and optionally the Graph double), writes a desktop config and
 * a development licence for the `desktop` variant into a fresh data folder, boots the desktop app
 * and its UI on a free loopback port.
 */
export async function startDesktop(options: DesktopFixtureOptions): Promise<DesktopFixture> {
  await trustTestCertificate();
  const dir = await mkdtemp(join(tmpdir(), 'fs-desktop-'));
  const dataDir = join(dir, 'data');
  const targetsDir = join(dir, 'targets');
  await mkdir(dataDir, { recursive: true });
  await mkdir(targetsDir, { recursive: true });
  const target = (name: string) => (/^[a-z][a-z0-9+.-]+:/i.test(name) || name.startsWith('/') ? name : join(targetsDir, name));
  const locations: ManifestLocation[] = options.locations.map((l) => ({ ...l, targets: l.targets.map(target) }));
  const filing = await startFilingServiceDouble({ manifest: { tenant: 'acme-desktop', token: 'fs-token-do-not-show', locations, filings: [] }, visibilityTimeoutMs: 3000 });

  let graph: GraphDouble | undefined;
  if (options.graph) {
    graph = await GraphDouble.start();
    graph.identity.register({ tenantId: 'organizations', clientId: DESKTOP_CLIENT_ID });
  }

  const keyId = TRUSTED_LICENCE_KEYS.find((k) => k.development)!.keyId;
  const payload: LicencePayload = {
    version: 1, licensee: 'Desktop tests', tenant: 'acme-desktop', variant: 'desktop', maxLocations: 100,
    expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(), issuedAt: new Date().toISOString(), keyId,
  };
  await writeFile(join(dataDir, LICENCE_FILE_NAME), signLicence(payload, createPrivateKey(await readFile(DEV_LICENCE_KEY, 'utf8'))));

  const configPath = join(dataDir, 'desktop.json');
  const config = {
    source: { url: filing.url, tenant: 'acme-desktop', token: filing.token },
    stateDir: './state',
    poll: { intervalSeconds: 0.2, batchSize: 20 },
    lease: { ttlSeconds: 6 },
    retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
    sinks: { filesystem: { allowedRoots: [targetsDir, ...(options.allowedRoots ?? [])] } },
    log: { level: 'warn', files: { enabled: false } },
    ...(graph
      ? {
          credentials: { 'microsoft-user': { clientId: DESKTOP_CLIENT_ID, tenantId: 'organizations', authorityHost: graph.url, scopes: ['Files.ReadWrite.All', 'User.Read'] } },
          // The OneDrive sink sends tokens only to hosts it knows.
          // (graphBaseUrl points it at the double.)
        }
      : {}),
  };
  if (graph) (config.sinks as Record<string, unknown>)['onedrive'] = { graphBaseUrl: graph.url, customHosts: ['127.0.0.1'] };
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);

  // No keychain in tests: the vault's user-only file is what is exercised (the CI has no keyring daemon either).
  const vault = await TokenVault.open(dataDir);
  const signIns = new SignIns(vault);
  const app = new DesktopApp({ host: desktopHost({ signIns }), signIns, configPath, logDestination: quiet() });
  await app.start();
  const opened: string[] = [];
  const ui = await startUiServer({ app, signIns, configPath, port: 0, openFolder: async (p) => void opened.push(p), onQuit: () => {} });
  const session = await enterPage(ui);
  return {
    dir, dataDir, configPath, targetsDir, filing, ...(graph ? { graph } : {}), signIns, vault, app, ui, session, opened, target,
    close: async () => {
      await app.stop();
      await ui.close();
      await filing.close();
      await graph?.close();
      spawnSync('chattr', ['-R', '-i', targetsDir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` returns a truthy value (polling), or fails after `ms` with `what`. */
export async function eventually<T>(what: string, check: () => T | Promise<T>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A plain HTTP client holding what the browser holds after entering the page: the session cookie and the CSRF token. */
export interface PageSession {
  /** `name=value` of the session cookie (empty if the server set none). */
  cookie: string;
  /** The CSRF token the page carries. */
  csrf: string;
  /** A request as the page makes it: with the cookie, and with the CSRF token on POST/PUT. */
  api<T = unknown>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/**
 * Enters the page the way the program's user does: the entry address (`/?k=…`) the program opens,
 * whose cookie then gets the page and its CSRF token.
 */
export async function enterPage(ui: { url: string; entryUrl?: string }): Promise<PageSession> {
  const first = await fetch(ui.entryUrl ?? ui.url, { redirect: 'manual' });
  await first.arrayBuffer();
  const cookie = first.headers.get('set-cookie')?.split(';')[0] ?? '';
  const html = await (await fetch(ui.url, { headers: cookie ? { cookie } : {} })).text();
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? '';
  const base = ui.url.replace(/\/$/, '');
  return {
    cookie,
    csrf,
    api: async <T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { ...(cookie ? { cookie } : {}), ...(method === 'GET' ? {} : { 'x-csrf-token': csrf, 'content-type': 'application/json' }) },
        ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: kept as text
      }
      return { status: res.status, body: parsed as T };
    },
  };
}
