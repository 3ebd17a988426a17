import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Negotiator from 'negotiator';

/**
 * Reads a whole request body, refusing more than `limit` bytes (413 is the caller's to send).
 */
export async function readBody(req: IncomingMessage, limit = 512 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON body; `undefined` for an empty body; throws `SyntaxError` for bad JSON. */
export async function readJson<T = unknown>(req: IncomingMessage): Promise<T | undefined> {
  const body = await readBody(req, 16 * 1024 * 1024);
  return body.length === 0 ? undefined : (JSON.parse(body.toString('utf8')) as T);
}

/** Sends a JSON reply. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(data.length), ...headers });
  res.end(data);
}

/**
 * Sends a reply given as pieces of its body, written one after another: a large answer is never
 * joined into one buffer first.
 */
export function sendPieces(res: ServerResponse, status: number, contentType: string, pieces: (string | Buffer)[]): void {
  let length = 0;
  for (const p of pieces) length += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(length) });
  // Corked, the pieces leave in one write; end() uncorks.
  res.cork();
  for (const p of pieces) res.write(p);
  res.end();
}

/** One part of a `multipart/form-data` reply. */
export interface FormPart {
  name: string;
  /** Makes form-data readers hand the part out as bytes rather than as text. */
  filename?: string;
  type: string;
  body: string | Buffer;
}

/**
 * Sends `parts` as `multipart/form-data` (RFC 7578), with a boundary that occurs in none of them.
 */
export function sendMultipart(res: ServerResponse, status: number, parts: FormPart[]): void {
  let boundary: string;
  do boundary = `filing-sync-${randomBytes(12).toString('hex')}`;
  while (parts.some((p) => p.body.includes(boundary)));
  const pieces: (string | Buffer)[] = [];
  parts.forEach((p, i) => {
    pieces.push(`${i > 0 ? '\r\n' : ''}--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\nContent-Type: ${p.type}\r\n\r\n`, p.body);
  });
  pieces.push(`\r\n--${boundary}--\r\n`);
  sendPieces(res, status, `multipart/form-data; boundary=${boundary}`, pieces);
}

/** Whether the request's `Accept` prefers `multipart/form-data` to JSON (no `Accept`: JSON). */
export function prefersMultipart(req: IncomingMessage): boolean {
  return new Negotiator(req).mediaType(['application/json', 'multipart/form-data']) === 'multipart/form-data';
}

/** Sends an empty reply. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': '0', ...headers });
  res.end();
}

/** A handler for one route; `params` holds the route's named groups, decoded. */
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
  url: URL,
) => void | Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

/**
 * A small method + regular-expression router. Named groups become `params`
 * (percent-decoded); the first matching route wins.
 */
export class Router {
  private readonly routes: Route[] = [];

  /** Adds a route. `pattern` is matched against the URL's pathname. */
  on(method: string, pattern: RegExp, handler: RouteHandler): this {
    this.routes.push({ method: method.toUpperCase(), pattern, handler });
    return this;
  }

  /**
   * Runs the matching route; answers 404 with `notFound` (or a plain body) when none matches.
   * Returns whether a route matched.
   */
  async dispatch(req: IncomingMessage, res: ServerResponse, notFound?: (res: ServerResponse) => void): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://double.invalid');
    for (const route of this.routes) {
      if (route.method !== req.method) continue;
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) params[k] = decodeURIComponent(v);
      await route.handler(req, res, params, url);
      return true;
    }
    if (notFound) notFound(res);
    else sendJson(res, 404, { error: 'not found' });
    return false;
  }
}
