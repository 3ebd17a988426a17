import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Header the page sends its CSRF token in. @public */
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change nothing, and so need no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The local UI's guards, installed before any route:
 * - the `Host` header must name the loopback address and our port (`127.0.0.1:PORT` or
 *   `localhost:PORT`), so a web page whose domain was re-pointed at 127.0.0.1 (DNS rebinding)
 *   is refused;
 * - every state-changing request must carry this run's CSRF token in `X-CSRF-Token` (the page
 *   gets it in a meta tag; other sites cannot read it) and, when the browser sends `Origin`, come
 *   from our own origin;
 * - responses are not cached, not framed, and may load scripts only from this server.
 * @public
 */
export class LocalGuard {
  /** This run's CSRF token (random, 256 bits; it changes on every start). */
  readonly csrfToken = randomBytes(32).toString('base64url');

  constructor(private readonly port: () => number) {}

  /** The origins this server answers as. */
  origins(): string[] {
    const p = this.port();
    return [`http://127.0.0.1:${p}`, `http://localhost:${p}`];
  }

  /** Installs the checks and headers on `app`. `scriptHashes` are CSP hashes of inline scripts the page has. */
  install(app: FastifyInstance, scriptHashes: readonly string[]): void {
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
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
