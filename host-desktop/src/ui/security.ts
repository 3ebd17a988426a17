import { randomBytes, timingSafeEqual } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Header the page sends its CSRF token in. @public */
export const CSRF_HEADER = 'x-csrf-token';

/** Query parameter of the entry address (`/?k=<entry key>`) the program opens the browser on. @public */
export const ENTRY_PARAM = 'k';

/** Methods that change nothing, and so need no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The local UI's guards, installed before any route:
 * - the `Host` header must name the loopback address and our port (`127.0.0.1:PORT` or
 *   `localhost:PORT`), so a web page whose domain was re-pointed at 127.0.0.1 (DNS rebinding)
 *   is refused;
 * - every route but the public ones (the page's static files, the sign-in redirect, which its
 *   OAuth `state` and PKCE protect) needs this run's session cookie. Only the person who started
 *   the program gets it: the program opens the browser on `/?k=<entry key>` (random per run, also
 *   printed in its own window), which sets the cookie (HttpOnly, SameSite=Strict) and redirects to
 *   `/`. Another local user or process that reaches 127.0.0.1 gets 401, so it can neither read
 *   the page (nor its CSRF token) nor use the API;
 * - every state-changing request must also carry this run's CSRF token in `X-CSRF-Token` (the page
 *   gets it in a meta tag; other sites cannot read it) and, when the browser sends `Origin`, come
 *   from our own origin;
 * - responses are not cached, not framed, and may load scripts only from this server.
 * @public
 */
export class LocalGuard {
  /** This run's CSRF token (random, 256 bits; it changes on every start). */
  readonly csrfToken = randomBytes(32).toString('base64url');
  /** This run's entry key: `/?k=<key>` lets the browser in (random, 256 bits, new on every start). */
  readonly entryKey = randomBytes(32).toString('base64url');
  /** The session cookie's value; never in a URL, so it is not left in history or a terminal. */
  private readonly sessionSecret = randomBytes(32).toString('base64url');

  /**
   * @param port - the port the server listens on (known once it listens).
   * @param isPublic - paths served without the session cookie: static files and the sign-in redirect.
   */
  constructor(
    private readonly port: () => number,
    private readonly isPublic: (path: string) => boolean = () => false,
  ) {}

  /** The origins this server answers as. */
  origins(): string[] {
    const p = this.port();
    return [`http://127.0.0.1:${p}`, `http://localhost:${p}`];
  }

  /** The session cookie's name; cookies do not tell ports apart, so it names ours. */
  cookieName(): string {
    return `filing-sync-${this.port()}`;
  }

  /**
   * Installs the checks and headers on `app`, before any route is added. `scriptHashes` are CSP hashes of inline
   * scripts the page has. Rejects only when the cookie plugin cannot be registered.
   */
  async install(app: FastifyInstance, scriptHashes: readonly string[]): Promise<void> {
    // Parses `Cookie` before the check below runs (its hook is added first) and serialises `Set-Cookie`.
    await app.register(fastifyCookie);
    app.addHook('onRequest', async (req, reply) => this.check(req, reply));
    const csp = [
      "default-src 'self'",
      `script-src 'self' ${scriptHashes.map((h) => `'${h}'`).join(' ')}`.trim(),
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ].join('; ');
    app.addHook('onSend', async (_req, reply) => {
      reply.header('content-security-policy', csp);
      reply.header('x-frame-options', 'DENY');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cache-control', 'no-store');
    });
  }

  private async check(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!this.origins().some((o) => o === `http://${host}`)) {
      return reply.code(403).type('text/plain').send('Refused: this program answers only at its loopback address (Host header not allowed).');
    }
    const url = new URL(req.url, 'http://127.0.0.1');
    const entry = url.searchParams.get(ENTRY_PARAM);
    if (req.method === 'GET' && url.pathname === '/' && entry !== null) {
      if (!sameSecret(entry, this.entryKey)) return this.refuse(reply, url.pathname);
      // The key leaves the address bar at once; from here on the cookie (which scripts cannot read) lets the browser in.
      return reply.setCookie(this.cookieName(), this.sessionSecret, { httpOnly: true, sameSite: 'strict', path: '/' }).redirect('/', 303);
    }
    if (!this.isPublic(url.pathname) && !this.hasSession(req)) return this.refuse(reply, url.pathname);
    if (SAFE_METHODS.has(req.method)) return;
    const origin = req.headers.origin;
    if (origin !== undefined && !this.origins().includes(origin)) {
      return reply.code(403).send({ error: 'forbidden', message: 'Refused: the request comes from another site.' });
    }
    const given = req.headers[CSRF_HEADER];
    if (typeof given !== 'string' || !sameSecret(given, this.csrfToken)) {
      return reply.code(403).send({ error: 'csrf', message: 'Refused: missing or wrong CSRF token. Reload the page.' });
    }
  }

  private hasSession(req: FastifyRequest): boolean {
    const given = req.cookies[this.cookieName()];
    return given !== undefined && sameSecret(given, this.sessionSecret);
  }

  /** 401: an HTML page for the browser's address bar, JSON for the page's API calls. */
  private refuse(reply: FastifyReply, path: string): FastifyReply {
    const message = 'This filing-sync page is only for the person who started the program, in the browser it opened.';
    const action =
      'Open it from filing-sync itself: its shortcut or window (a terminal shows the address to open). A bookmark, another browser, or a page from before filing-sync was restarted does not get in.';
    if (path.startsWith('/api/')) return reply.code(401).send({ error: 'session', message, action });
    return reply
      .code(401)
      .type('text/html; charset=utf-8')
      .send(`<!doctype html><meta charset="utf-8"><title>filing-sync: open it from the program</title><h1>Open filing-sync from the program</h1><p>${message}</p><p>${action}</p>`);
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
