/**
 * The Filing Service API over a {@link FilingQueue}, as `plugins/source-filing-service/openapi.yaml`
 * describes it, plus the double's own `/_double/...` inspection routes (no auth).
 * @packageDocumentation
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { type FormPart, Router, prefersMultipart, readJson, sendEmpty, sendJson, sendMultipart, sendPieces } from '../kit/http.js';
import { FilingQueue, LeaseLostError, type QueuedFiling, type ReportedOutcome } from './queue.js';

/** Outcomes the API accepts. */
const OUTCOMES = new Set(['created', 'identical', 'renamed', 'degraded', 'skipped', 'failed']);

/** Most bytes of inline message contents in one claim answer (the API's 8 MiB). */
const INLINE_BUDGET = 8 * 1024 * 1024;

/** Messages up to this size are served from one blocking read (see the content route). */
const WHOLE_READ_MAX = 4 * 1024 * 1024;

/** Base64 of `bytes` as ASCII bytes: written to the socket as they are, with no conversion per answer. */
function base64Bytes(bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString('base64'), 'latin1');
}

/**
 * The message of `f` when it is at most `max` bytes (and still kept), else `undefined`. Files are read
 * with blocking calls: at most 1 MiB a file and 8 MiB an answer, and the double shares the machine with
 * the connector in tests and benchmarks, where a thread-pool round trip per call cost more CPU than the
 * reads themselves.
 */
function inlineBytes(f: QueuedFiling, max: number): Buffer | undefined {
  if ('bytes' in f.message) return f.message.bytes.length <= max ? f.message.bytes : undefined;
  try {
    if (statSync(f.message.file).size > max) return undefined;
    return readFileSync(f.message.file);
  } catch {
    return undefined;
  }
}

/** Sends the API's one error shape. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, details?: object, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message, ...(details ? { details } : {}) } }, headers);
}

/** A request the API refuses with 400, naming the field. */
class BadRequest extends Error {}

/** What the double's inspection routes need besides the queue. */
export interface DoubleHooks {
  /** Adds a filing given over `POST /_double/filings`. */
  addFiling(body: unknown): Promise<object>;
  /** Every filing as `GET /_double/filings` shows it. */
  view(): object[];
}

/** The request handler of the double. */
export function filingServiceHandler(queue: FilingQueue, token: string, hooks: DoubleHooks) {
  const router = new Router();
  const base = `^/v1/tenants/(?<tenant>[^/]+)`;

  router.on('GET', new RegExp(`${base}/lease$`), (_req, res) => {
    const lease = queue.currentLease();
    if (!lease) return sendEmpty(res, 204);
    sendJson(res, 200, { holder: lease.holder, expiresAt: iso(lease.expiresAt) });
  });

  router.on('POST', new RegExp(`${base}/lease$`), async (req, res) => {
    const body = await jsonBody(req);
    const holder = field(body, 'holder', 'string');
    const ttlSeconds = ttl(body);
    const result = queue.acquire(holder, ttlSeconds * 1000);
    if ('held' in result) {
      return sendError(res, 409, 'lease_held', `The tenant lease is held by ${result.held.holder} until ${iso(result.held.expiresAt)}.`, {
        holder: result.held.holder,
        expiresAt: iso(result.held.expiresAt),
      });
    }
    sendJson(res, 200, leaseJson(result.granted));
  });

  router.on('PUT', new RegExp(`${base}/lease/(?<lease>[^/]+)$`), async (req, res, p) => {
    const body = await jsonBody(req);
    sendJson(res, 200, leaseJson(queue.renew(p.lease!, ttl(body) * 1000)));
  });

  router.on('DELETE', new RegExp(`${base}/lease/(?<lease>[^/]+)$`), (_req, res, p) => {
    queue.release(p.lease!);
    sendEmpty(res, 204);
  });

  router.on('POST', new RegExp(`${base}/claims$`), async (req, res) => {
    const body = await jsonBody(req);
    const leaseId = field(body, 'leaseId', 'string');
    const max = body.max;
    if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > 1000) throw new BadRequest(`max: expected an integer from 1 to 1000, found ${JSON.stringify(max)}`);
    const inline = body.inlineContentMaxBytes ?? 0;
    if (!Number.isInteger(inline) || (inline as number) < 0 || (inline as number) > 1_048_576) {
      throw new BadRequest(`inlineContentMaxBytes: expected an integer from 0 to 1048576, found ${JSON.stringify(inline)}`);
    }
    const { items, reservedUntil } = queue.claim(leaseId, max as number);
    let budget = INLINE_BUDGET;
    const contents = items.map((f) => {
      const bytes = (inline as number) > 0 ? inlineBytes(f, inline as number) : undefined;
      if (!bytes || bytes.length > budget) return undefined;
      budget -= bytes.length;
      return bytes;
    });
    const until = JSON.stringify(iso(reservedUntil));
    if (contents.some((c) => c !== undefined) && prefersMultipart(req)) {
      // The messages' raw bytes follow the page, one part each.
      const page = `{"items":[${items.map((f) => JSON.stringify(filingJson(queue, f))).join(',')}],"reservedUntil":${until}}`;
      const parts: FormPart[] = [{ name: 'page', type: 'application/json', body: page }];
      contents.forEach((bytes, i) => bytes && parts.push({ name: `items[${i}].content`, filename: 'message.eml', type: 'message/rfc822', body: bytes }));
      return sendMultipart(res, 200, parts);
    }
    // The answer goes out in pieces: base64 needs no JSON escaping, so each content is written as it is.
    const pieces: (string | Buffer)[] = ['{"items":['];
    for (const [i, f] of items.entries()) {
      const json = JSON.stringify(filingJson(queue, f));
      const bytes = contents[i];
      if (i > 0) pieces.push(',');
      if (bytes) pieces.push(json.slice(0, -1), ',"content":"', base64Bytes(bytes), '"}');
      else pieces.push(json);
    }
    pieces.push(`],"reservedUntil":${until}}`);
    sendPieces(res, 200, 'application/json', pieces);
  });

  router.on('GET', new RegExp(`${base}/filings$`), (_req, res, _p, url) => {
    const { after, limit } = page(url);
    const items = queue.open(after, limit + 1);
    const more = items.length > limit;
    const shown = items.slice(0, limit);
    sendJson(res, 200, {
      items: shown.map((f) => ({
        ...filingJson(queue, f),
        state: queue.stateOf(f),
        deliveries: f.deliveries,
        ...(queue.stateOf(f) === 'claimed' ? { reservedUntil: iso(f.reservedUntil) } : {}),
      })),
      ...(more ? { nextCursor: cursor(shown[shown.length - 1]!.seq) } : {}),
    });
  });

  router.on('GET', new RegExp(`${base}/filings/(?<filing>[^/]+)/content$`), async (_req, res, p) => {
    const filing = queue.get(p.filing!);
    if (!filing) return sendError(res, 404, 'filing_not_found', `No filing ${p.filing}.`);
    // A message up to 4 MiB is read with one blocking call and sent in one write, as inline ones are. Streamed in
    // 64 KiB pieces, a 2 MiB message cost the double several milliseconds of CPU, which the connector shares the
    // machine with in benchmarks. Larger messages stream.
    const whole = inlineBytes(filing, WHOLE_READ_MAX);
    if (whole) {
      res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': String(whole.length) });
      res.end(whole);
      return;
    }
    if ('bytes' in filing.message) {
      res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': String(filing.message.bytes.length) });
      res.end(filing.message.bytes);
      return;
    }
    let size: number;
    try {
      size = (await stat(filing.message.file)).size;
    } catch {
      return sendError(res, 404, 'filing_not_found', `The message of filing ${p.filing} is no longer kept.`);
    }
    res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': String(size) });
    await pipeline(createReadStream(filing.message.file), res).catch(() => res.destroy());
  });

  router.on('POST', new RegExp(`${base}/filings/(?<filing>[^/]+)/outcomes$`), async (req, res, p) => {
    const body = await jsonBody(req);
    const leaseId = field(body, 'leaseId', 'string');
    const filing = queue.get(p.filing!);
    if (!filing) return sendError(res, 404, 'filing_not_found', `No filing ${p.filing}.`);
    const outcomes = parseOutcomes(body.outcomes, queue.locations.get(filing.locationId)?.targets ?? []);
    const state = queue.report(leaseId, filing, outcomes);
    sendJson(res, 200, { id: filing.id, state });
  });

  router.on('POST', new RegExp(`${base}/outcomes$`), async (req, res) => {
    const body = await jsonBody(req);
    const leaseId = field(body, 'leaseId', 'string');
    const reports = body.reports;
    if (!Array.isArray(reports) || reports.length < 1 || reports.length > 500) {
      throw new BadRequest(`reports: expected an array of 1 to 500 entries, found ${Array.isArray(reports) ? `${reports.length} entries` : JSON.stringify(reports)}`);
    }
    // A stale lease refuses the whole request before anything is recorded.
    queue.fence(leaseId);
    const results = reports.map((entry: unknown, i) => {
      const e = (entry ?? {}) as Record<string, unknown>;
      const id = typeof e.filingId === 'string' ? e.filingId : '';
      const filing = id ? queue.get(id) : undefined;
      if (!filing) return { id, error: { code: 'filing_not_found', message: `reports[${i}].filingId: no filing ${JSON.stringify(e.filingId)}.` } };
      try {
        const outcomes = parseOutcomes(e.outcomes, queue.locations.get(filing.locationId)?.targets ?? [], `reports[${i}].outcomes`);
        return { id, state: queue.report(leaseId, filing, outcomes) };
      } catch (err) {
        if (!(err instanceof BadRequest)) throw err;
        return { id, error: { code: 'invalid_request', message: err.message } };
      }
    });
    sendJson(res, 200, { results });
  });

  router.on('GET', new RegExp(`${base}/locations$`), (_req, res, _p, url) => {
    const { after, limit } = page(url);
    const all = [...queue.locations.values()];
    const shown = all.slice(after, after + limit);
    sendJson(res, 200, { items: shown, ...(after + limit < all.length ? { nextCursor: cursor(after + limit) } : {}) });
  });

  const inspect = new Router();
  inspect.on('GET', /^\/_double\/filings$/, (_req, res) => sendJson(res, 200, { filings: hooks.view() }));
  inspect.on('POST', /^\/_double\/filings$/, async (req, res) => {
    const body = await readJson(req);
    try {
      sendJson(res, 201, await hooks.addFiling(body));
    } catch (err) {
      throw new BadRequest((err as Error).message);
    }
  });
  inspect.on('GET', /^\/_double\/lease$/, (_req, res) => {
    const lease = queue.currentLease();
    sendJson(res, 200, { lease: lease ? leaseJson(lease) : null });
  });
  inspect.on('DELETE', /^\/_double\/lease$/, (_req, res) => {
    queue.expireLease();
    sendEmpty(res, 204);
  });

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.url?.startsWith('/_double/')) {
        await inspect.dispatch(req, res, (r) => sendError(r, 404, 'not_found', `No route ${req.method} ${req.url}.`));
        return;
      }
      if (req.headers.authorization !== `Bearer ${token}`) {
        req.resume();
        return sendError(res, 401, 'unauthorized', 'Missing or invalid bearer token.', undefined, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
      const tenant = /^\/v1\/tenants\/([^/?]+)/.exec(req.url ?? '')?.[1];
      if (tenant !== undefined && decodeURIComponent(tenant) !== queue.tenant) {
        req.resume();
        return sendError(res, 403, 'forbidden', `The token is not valid for tenant ${decodeURIComponent(tenant)}.`);
      }
      await router.dispatch(req, res, (r) => sendError(r, 404, 'not_found', `No route ${req.method} ${req.url}.`));
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      if (err instanceof LeaseLostError) return sendError(res, 409, 'lease_lost', err.message);
      if (err instanceof BadRequest || err instanceof SyntaxError) return sendError(res, 400, 'invalid_request', err.message);
      sendError(res, 500, 'internal', String((err as Error)?.message ?? err));
    }
  };
}

/** Wire form of a filing (OpenAPI `Filing`). */
export function filingJson(queue: FilingQueue, f: QueuedFiling): object {
  const location = queue.locations.get(f.locationId)!;
  return { id: f.id, tenant: queue.tenant, location, filedAt: f.filedAt, message: f.summary };
}

function leaseJson(lease: { id: string; holder: string; expiresAt: number }): object {
  return { id: lease.id, holder: lease.holder, expiresAt: iso(lease.expiresAt) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJson(req);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('body: expected a JSON object');
  return body as Record<string, unknown>;
}

function field(body: Record<string, unknown>, name: string, type: 'string'): string {
  const v = body[name];
  if (typeof v !== type || v === '') throw new BadRequest(`${name}: expected a non-empty ${type}, found ${JSON.stringify(v)}`);
  return v as string;
}

function ttl(body: Record<string, unknown>): number {
  const v = body.ttlSeconds;
  if (typeof v !== 'number' || !(v > 0) || v > 3600) throw new BadRequest(`ttlSeconds: expected a number above 0 and at most 3600, found ${JSON.stringify(v)}`);
  return v;
}

function cursor(n: number): string {
  return Buffer.from(`after:${n}`).toString('base64url');
}

function page(url: URL): { after: number; limit: number } {
  const rawLimit = url.searchParams.get('limit');
  const limit = rawLimit === null ? 100 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new BadRequest(`limit: expected an integer from 1 to 1000, found ${JSON.stringify(rawLimit)}`);
  const raw = url.searchParams.get('cursor');
  if (raw === null) return { after: 0, limit };
  const m = /^after:(\d+)$/.exec(Buffer.from(raw, 'base64url').toString());
  if (!m) throw new BadRequest(`cursor: expected a nextCursor from a previous page, found ${JSON.stringify(raw)}`);
  return { after: Number(m[1]), limit };
}

function parseOutcomes(raw: unknown, targets: readonly string[], name = 'outcomes'): ReportedOutcome[] {
  if (!Array.isArray(raw)) throw new BadRequest(`${name}: expected an array, found ${JSON.stringify(raw)}`);
  return raw.map((o: unknown, i): ReportedOutcome => {
    const item = (o ?? {}) as Record<string, unknown>;
    if (typeof item.target !== 'string' || !targets.includes(item.target)) {
      throw new BadRequest(`${name}[${i}].target: expected one of the location's targets ${JSON.stringify(targets)}, found ${JSON.stringify(item.target)}`);
    }
    if (typeof item.outcome !== 'string' || !OUTCOMES.has(item.outcome)) {
      throw new BadRequest(`${name}[${i}].outcome: expected one of ${[...OUTCOMES].join(', ')}, found ${JSON.stringify(item.outcome)}`);
    }
    return item as unknown as ReportedOutcome;
  });
}
