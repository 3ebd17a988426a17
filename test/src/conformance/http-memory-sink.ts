/**
 * A reference sink over HTTP: a tiny file API on the doubles kit (so faults can be injected)
 * and a sink for it, correct or broken on purpose in the ways the fault checks must catch.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Readable } from 'node:stream';
import { readBody, sendEmpty, sendJson, startDouble, type RunningDouble } from '@filing-sync/doubles';
import {
  WINDOWS_PATH_RULES,
  httpStatusError,
  toFilingSyncError,
  type Content,
  type CreateOptions,
  type CreateResult,
  type EntryInfo,
  type Sink,
  type SinkCapabilities,
  type TargetAccess,
} from '@filing-sync/core';

/** The file API's store: file path (`folder/name`, name lower-cased) → name as written and bytes. */
export type HttpStore = Map<string, { name: string; bytes: Buffer }>;

/**
 * Starts the file API: `PUT /files/<folder>/<name>` with `If-None-Match: *` (412 when taken),
 * `GET /stat/<folder>/<name>` (JSON size and sha256, or 404). Case-insensitive like NTFS.
 */
export async function startHttpStore(store: HttpStore): Promise<RunningDouble> {
  return startDouble({
    errorReply: (res, status, retryAfterSeconds) => sendJson(res, status, { error: 'slow down' }, { 'retry-after': String(retryAfterSeconds) }),
    async handler(req, res) {
      const url = new URL(req.url ?? '/', 'http://store.invalid');
      const [, kind, ...rest] = url.pathname.split('/').map(decodeURIComponent);
      const path = rest.join('/');
      const key = path.toLowerCase();
      if (req.method === 'PUT' && kind === 'files') {
        const body = await readBody(req);
        if (store.has(key)) return sendEmpty(res, 412);
        store.set(key, { name: rest[rest.length - 1]!, bytes: body });
        return sendEmpty(res, 201);
      }
      if (req.method === 'GET' && kind === 'stat') {
        const found = store.get(key);
        if (!found) return sendEmpty(res, 404);
        return sendJson(res, 200, { name: found.name, size: found.bytes.length, sha256: createHash('sha256').update(found.bytes).digest('hex') });
      }
      sendEmpty(res, 400);
    },
  });
}

/** Mistakes an HTTP sink can make with faults. */
export interface HttpSinkFaults {
  /** Keeps the first upload stream of a content and sends it again on a retry (spent: 0 bytes). */
  reusesSpentStream?: boolean;
  /** Drops the service's Retry-After. */
  ignoresRetryAfter?: boolean;
  /** Lets network errors escape unmapped. */
  leaksNetworkErrors?: boolean;
}

const THRESHOLD = 32 * 1024;

/** A sink over one folder of {@link startHttpStore}'s API. */
export class HttpMemorySink implements Sink {
  readonly capabilities: SinkCapabilities = {
    pathRules: WINDOWS_PATH_RULES,
    hashKind: 'sha256',
    atomicCreate: true,
    largeUploadThreshold: THRESHOLD,
    setsModifiedTime: false,
  };
  readonly folderPathLength: number;
  readonly displayPath: string;
  private readonly streams = new WeakMap<Content, Readable>();

  constructor(
    private readonly origin: string,
    private readonly folder: string,
    private readonly faults: HttpSinkFaults = {},
  ) {
    this.folderPathLength = `/${folder}/`.length;
    this.displayPath = `${origin}/files/${folder}/`;
  }

  async check(): Promise<TargetAccess> {
    return 'writable';
  }

  async stat(name: string): Promise<EntryInfo | undefined> {
    const { status, body } = await this.call('GET', `/stat/${this.encoded(name)}`);
    if (status === 404) return undefined;
    const found = JSON.parse(body.toString()) as { name: string; size: number; sha256: string };
    return { name: found.name, path: this.displayPath + found.name, size: found.size, hash: found.sha256 };
  }

  async create(name: string, content: Content, _options: CreateOptions): Promise<CreateResult> {
    let stream = this.faults.reusesSpentStream ? this.streams.get(content) : undefined;
    if (!stream) {
      stream = content.open();
      this.streams.set(content, stream);
    }
    const { status } = await this.call('PUT', `/files/${this.encoded(name)}`, stream);
    if (status === 412) return { created: false };
    return { created: true, entry: { name, path: this.displayPath + name, size: content.size, hash: await content.digest('sha256') } };
  }

  private encoded(name: string): string {
    return [...this.folder.split('/'), name].map(encodeURIComponent).join('/');
  }

  /** One request; statuses other than 2xx/404/412 become taxonomy errors. */
  private call(method: string, path: string, body?: Readable): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const fail = (err: unknown): void => reject(this.faults.leaksNetworkErrors ? err : toFilingSyncError(err));
      const req = http.request(`${this.origin}${path}`, { method, headers: { 'if-none-match': '*' }, timeout: 1000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if ((status >= 200 && status < 300) || status === 404 || status === 412) return resolve({ status, body: Buffer.concat(chunks) });
          const retryAfter = this.faults.ignoresRetryAfter ? undefined : res.headers['retry-after'];
          reject(httpStatusError(status, `${method} ${path} failed: HTTP ${status}`, retryAfter ? { retryAfter } : {}));
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', fail);
      if (body) body.pipe(req);
      else req.end();
    });
  }
}
