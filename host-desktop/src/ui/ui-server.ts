import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ConfigError, FilingSyncError, SourceFactory, loadConfiguration, readConfigFile, toFilingSyncError, type Logger } from '@filing-sync/core';
import type { SignIns, SignInsOffline } from '../auth/sign-ins.js';
import type { DesktopApp } from '../desktop-app.js';
import { UiRequestError } from '../ui-request-error.js';
import { folderLink } from './folder-link.js';
import { previewName } from './naming-preview.js';
import { LocalGuard, CSRF_HEADER, ENTRY_PARAM } from './security.js';
import { SETTING_FIELDS, readSettings, saveSettings, secretsSet, type SettingValues } from './settings.js';

/** The port the UI listens on unless told otherwise: fixed, so a bookmark keeps working. @public */
export const DEFAULT_UI_PORT = 47615;

/** Options of {@link startUiServer}. */
export interface UiServerOptions {
  app: DesktopApp;
  signIns: SignIns;
  configPath: string;
  /** 0 picks a free port (tests). */
  port?: number;
  logger?: Logger;
  /** Opens a local folder (the OS file manager); injected so tests do not start one. */
  openFolder: (path: string) => Promise<void>;
  /** Called when the user quits from the page. */
  onQuit: () => void;
}

/** A running UI server. @public */
export interface UiServer {
  /** `http://127.0.0.1:PORT/`: without this run's session cookie it answers 401. */
  url: string;
  /**
   * `http://127.0.0.1:PORT/?k=<entry key>`: the address the program opens the browser on (and
   * prints in its own window); it sets this run's session cookie. Not to be shown anywhere else.
   */
  entryUrl: string;
  port: number;
  /** This run's CSRF token (tests use it to make requests the page would make). */
  csrfToken: string;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The compiled page scripts (`host-desktop/client`, built by `tsc -b` into `client/dist`). */
const CLIENT_DIR = join(here, '../../client/dist');
const PREACT_DIR = dirname(createRequire(import.meta.url).resolve('preact/package.json'));

/** The import map that lets the page's ES modules say `preact` without a bundler. */
const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: '/vendor/preact/dist/preact.mjs',
    'preact/hooks': '/vendor/preact/hooks/dist/hooks.mjs',
    'preact/jsx-runtime': '/vendor/preact/jsx-runtime/dist/jsxRuntime.mjs',
  },
});

/**
 * Starts the local web UI on 127.0.0.1 only: the page, its JSON API, and the loopback redirect
 * of the sign-in flows (`/auth/callback`). Every request passes the {@link LocalGuard}. No
 * response ever carries a token or secret: accounts show who and until when, settings leave
 * secrets out. Rejects when the port is taken.
 * @public
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const { app, signIns } = options;
  let port = options.port ?? DEFAULT_UI_PORT;
  // Public without the session cookie: the page's static code, and the sign-in redirect (a cross-site
  // navigation back from the identity service, which its state and PKCE verifier protect).
  const guard = new LocalGuard(() => port, (path) => path === '/auth/callback' || path.startsWith('/app/') || path.startsWith('/vendor/'));
  const http: FastifyInstance = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  const importMapHash = `sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}`;
  await guard.install(http, [importMapHash]);

  await http.register(fastifyStatic, { root: CLIENT_DIR, prefix: '/app/', index: false, cacheControl: false });
  await http.register(fastifyStatic, {
    root: PREACT_DIR,
    prefix: '/vendor/preact/',
    decorateReply: false,
    index: false,
    cacheControl: false,
    allowedPath: (path) => /^\/(dist\/preact|hooks\/dist\/hooks|jsx-runtime\/dist\/jsxRuntime)\.mjs$/.test(path),
  });

  const page = (): string =>
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${guard.csrfToken}">
<title>filing-sync</title>
<link rel="stylesheet" href="/app/style.css">
<script type="importmap">${IMPORT_MAP}</script>
<script type="module" src="/app/main.js"></script>
</head>
<body><div id="root"><p>Loading…</p></div></body>
</html>`;

  http.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(page()));
  http.get('/app/style.css', async (_req, reply) => reply.type('text/css').send(readFileSync(join(here, '../../client/style.css'))));

  http.get('/api/status', async () => app.status());
  http.get('/api/locations', async (_req, reply) => guarded(reply, () => app.locations()));
  http.get<{ Querystring: { outcome?: string; text?: string } }>('/api/activity', async (req, reply) =>
    guarded(reply, async () => app.activity({ ...(req.query.outcome ? { outcome: req.query.outcome } : {}), ...(req.query.text ? { text: req.query.text } : {}) })),
  );
  http.post<{ Body: { filingId?: string; target?: string } }>('/api/retry', async (req, reply) =>
    guarded(reply, async () => ({ outcome: await app.retry(String(req.body?.filingId ?? ''), String(req.body?.target ?? '')) })),
  );
  http.post<{ Body: { target?: string } }>('/api/open', async (req, reply) =>
    guarded(reply, async () => {
      const link = folderLink(String(req.body?.target ?? ''));
      // Only targets of the tenant's locations are opened, never an arbitrary path from the page.
      const known = (await app.locations()).some((l) => l.targets.some((t) => t.target === req.body?.target));
      if (!known || link.kind !== 'local') {
        throw new UiRequestError(404, 'unknown-target', 'Only the local and network folders of your locations can be opened here.', 'Open a cloud folder with its link instead.');
      }
      await options.openFolder(link.path);
      return { opened: link.path };
    }),
  );

  /** While no connector runs there are no providers: the config file says which clouds are set up, the app why it is stopped. */
  const offline = (): SignInsOffline | undefined => {
    if (app.current) return undefined;
    let credentials: unknown;
    try {
      credentials = readConfigFile(options.configPath)['credentials'];
    } catch {
      // An unreadable config file is what the Status page reports; here it just names no cloud.
    }
    const why = app.stoppedReason;
    return { credentials, reason: why?.reason ?? 'it is starting', ...(why?.action ? { action: why.action } : {}) };
  };
  http.get('/api/accounts', async () => signIns.accounts(offline()));
  http.post<{ Params: { name: string } }>('/api/accounts/:name/sign-in', async (req, reply) =>
    guarded(reply, async () => ({ url: await signIns.begin(req.params.name, `http://127.0.0.1:${port}/auth/callback`, offline()) })),
  );
  http.post<{ Params: { name: string } }>('/api/accounts/:name/sign-out', async (req, reply) =>
    guarded(reply, async () => {
      await signIns.signOut(req.params.name);
      app.recheckTargets();
      return { signedOut: req.params.name };
    }),
  );
  http.get('/auth/callback', async (req, reply) => {
    const callback = new URL(req.url, `http://127.0.0.1:${port}`);
    try {
      const account = await signIns.complete(callback);
      app.recheckTargets();
      // A page, not a redirect: this request came from the identity service's site, and the browser
      // sends the SameSite=Strict session cookie only on a navigation that starts on this page.
      const back = `/#accounts:signed-in:${encodeURIComponent(account.name)}`;
      return reply
        .type('text/html; charset=utf-8')
        .send(`<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${back}"><title>Signed in</title><p>Signed in to ${escapeHtml(account.label)}. <a href="${back}">Back to filing-sync</a></p>`);
    } catch (raw) {
      const err = toFilingSyncError(raw);
      (options.logger ?? app.current?.logger)?.warn({ err: err.message }, 'sign-in failed');
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(`<!doctype html><meta charset="utf-8"><title>Sign-in failed</title><p>${escapeHtml(err.message)}</p><p>${escapeHtml(err.action)}</p><p><a href="/#accounts">Back to filing-sync</a></p>`);
    }
  });

  http.get('/api/settings', async () => ({
    fields: SETTING_FIELDS,
    values: readSettings(options.configPath),
    secretsSet: secretsSet(options.configPath),
    issues: app.configIssues,
  }));
  http.put<{ Body: { values?: SettingValues } }>('/api/settings', async (req, reply) =>
    guarded(reply, async () => {
      let schema = sourceSchema(app);
      if (!schema) {
        // Stopped (a bad config, say): load the plugins alone to check the source section.
        const { container } = await loadConfiguration(app.host, {});
        schema = container.isRegistered(SourceFactory) ? container.resolveAll<SourceFactory>(SourceFactory)[0]?.configSchema : undefined;
      }
      await saveSettings(options.configPath, req.body?.values ?? {}, schema);
      await app.restart();
      return { saved: true, status: await app.status() };
    }),
  );
  http.get<{ Querystring: { template?: string; format?: string } }>('/api/naming/preview', async (req) => {
    const ext = req.query.format === 'eml' ? '.eml' : '.msg';
    return previewName(req.query.template ?? '', ext);
  });
  http.post('/api/quit', async () => {
    setImmediate(options.onQuit);
    return { quitting: true };
  });

  await http.listen({ host: '127.0.0.1', port });
  const address = http.server.address();
  if (address && typeof address === 'object') port = address.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    entryUrl: `http://127.0.0.1:${port}/?${ENTRY_PARAM}=${guard.entryKey}`,
    port,
    csrfToken: guard.csrfToken,
    close: () => http.close(),
  };
}

/** Runs `fn`; a known error becomes a JSON reply saying what is wrong (400/404/409/401) instead of a 500. */
async function guarded<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await fn();
  } catch (raw) {
    if (raw instanceof UiRequestError) return reply.code(raw.status).send({ error: raw.code, message: raw.message, action: raw.action });
    const err = raw instanceof FilingSyncError ? raw : toFilingSyncError(raw);
    const status = err instanceof ConfigError ? 400 : err.kind === 'auth' ? 401 : err.kind === 'transient' ? 409 : 500;
    return reply.code(status).send({
      error: err.kind,
      message: err.message,
      action: err.action,
      ...(err instanceof ConfigError ? { issues: err.issues } : {}),
    });
  }
}

function sourceSchema(app: DesktopApp) {
  const c = app.current;
  if (!c || !c.container.isRegistered(SourceFactory)) return undefined;
  return c.container.resolveAll<SourceFactory>(SourceFactory)[0]?.configSchema;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export { CSRF_HEADER };
