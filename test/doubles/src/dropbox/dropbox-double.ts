/**
 * A double of the Dropbox API v2 for the calls filing-sync makes: `files/upload`, upload sessions
 * (`start`, `append_v2`, `finish`), `files/get_metadata`, `files/create_folder_v2`,
 * `users/get_current_account` and the OAuth token endpoint (refresh-token grant).
 *
 * It follows developers.dropbox.com/documentation/http/documentation: RPC calls take JSON bodies,
 * content calls take `Dropbox-API-Arg`; endpoint errors are 409 with `error_summary` and a tagged
 * `error`; expired tokens are 401 `expired_access_token`; throttling is 429 with `Retry-After` and
 * `too_many_requests` or `too_many_write_operations`. Paths are case-insensitive and
 * case-preserving; uploads create missing parents; `mode: add` with `strict_conflict` refuses any
 * existing file. Each `Dropbox-API-Path-Root` namespace is its own tree.
 * @packageDocumentation
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dropboxContentHash } from '@filing-sync/core';
import { readBody, sendJson, Router } from '../kit/http.js';
import { startDouble, type RunningDouble } from '../kit/server.js';
import { lostReply } from '../kit/lost-reply.js';
import type { FaultPlan } from '../kit/faults.js';

/** A stored file. */
export interface DropboxFile {
  /** Path as first written (display case). */
  path: string;
  content: Buffer;
  contentHash: string;
  clientModified: string;
  rev: string;
  id: string;
}

/** A scripted endpoint error for the next matching call. */
export interface DropboxScriptedError {
  /** Matched against the endpoint path, e.g. `/2/files/upload_session/append_v2`. */
  match: RegExp;
  status: number;
  /** `error_summary`, e.g. `too_many_write_operations/...`. */
  summary: string;
  /** The tagged `error` object. */
  error: Record<string, unknown>;
  /** Response headers, e.g. `{ 'retry-after': '2' }`. */
  headers?: Record<string, string>;
}

/** Options of {@link startDropboxDouble}. */
export interface DropboxDoubleOptions {
  /** App keys the token endpoint accepts (PKCE public clients: no secret). */
  appKey?: string;
  /** Refresh tokens the token endpoint accepts. */
  refreshTokens?: string[];
  /** Lifetime of issued access tokens, in seconds. */
  accessTokenSeconds?: number;
  /** Bytes the account may hold; `insufficient_space` beyond. */
  quotaBytes?: number;
  faults?: FaultPlan;
}

interface Session {
  data: Buffer[];
  offset: number;
  closed: boolean;
  namespace: string;
}

const HOME = 'home';

/** A running Dropbox double. */
export class DropboxDouble {
  /** Files by namespace and lower-cased path. */
  readonly files = new Map<string, DropboxFile>();
  /** Folders by namespace and lower-cased path → display path. */
  readonly folders = new Map<string, string>();
  /** Lower-cased folder paths (in any namespace) where writes are refused with `no_write_permission`. */
  readonly readOnly = new Set<string>();
  /** Access tokens issued and still valid, with their expiry (ms since epoch). */
  readonly accessTokens = new Map<string, number>();
  /** Refresh tokens accepted. */
  readonly refreshTokens: Set<string>;
  /** Refresh grants served. */
  refreshCount = 0;
  /** Team root namespace id reported by `users/get_current_account`. */
  readonly rootNamespaceId = '3235641';
  readonly homeNamespaceId = '3235642';
  readonly sessions = new Map<string, Session>();
  /** Namespaces that exist besides the home one (the team root is one). */
  readonly namespaces = new Set<string>();
  private readonly scripted: DropboxScriptedError[] = [];
  private loseResponses: RegExp[] = [];
  private damageUploads = 0;
  private finishRollback: number | undefined;
  private readonly appKey: string;
  private readonly accessTokenSeconds: number;
  private readonly quotaBytes: number;

  private constructor(readonly server: RunningDouble, options: DropboxDoubleOptions) {
    this.appKey = options.appKey ?? 'test-app-key';
    this.refreshTokens = new Set(options.refreshTokens ?? ['test-refresh-token']);
    this.accessTokenSeconds = options.accessTokenSeconds ?? 14_400;
    this.quotaBytes = options.quotaBytes ?? Number.MAX_SAFE_INTEGER;
  }

  /** Starts the double on HTTPS with the run's test certificate. */
  static async start(options: DropboxDoubleOptions = {}): Promise<DropboxDouble> {
    let self: DropboxDouble | undefined;
    const server = await startDouble({
      https: true,
      faults: options.faults,
      errorReply: (res, status, retryAfter) => {
        if (status === 429) {
          sendJson(res, 429, { error_summary: 'too_many_requests/..', error: { reason: { '.tag': 'too_many_requests' }, retry_after: retryAfter } }, { 'retry-after': String(retryAfter) });
        } else {
          res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': String(retryAfter) });
          res.end('Service unavailable');
        }
      },
      handler: (req, res) => self!.handle(req, res),
    });
    self = new DropboxDouble(server, options);
    self.namespaces.add(self.rootNamespaceId);
    self.namespaces.add(self.homeNamespaceId);
    return self;
  }

  /** `https://127.0.0.1:PORT`. */
  get url(): string {
    return this.server.url;
  }

  /** Issues an access token directly (as a completed sign-in would). */
  issueAccessToken(seconds = this.accessTokenSeconds): string {
    const token = `sl.${randomUUID()}`;
    this.accessTokens.set(token, Date.now() + seconds * 1000);
    return token;
  }

  /** Makes every issued access token expired, as after four hours. */
  expireAccessTokens(): void {
    for (const token of this.accessTokens.keys()) this.accessTokens.set(token, 0);
  }

  /** Answers the next call whose path matches with this endpoint error. */
  scriptError(error: DropboxScriptedError): void {
    this.scripted.push(error);
  }

  /** Processes the next matching call but drops the connection instead of answering (a lost reply). */
  loseNextResponse(match: RegExp): void {
    this.loseResponses.push(match);
  }

  /**
   * The next `files/upload` arrives with one byte changed, as if damaged on the way. Dropbox checks
   * the body against the request's `content_hash` and refuses it with 409 `content_hash_mismatch`
   * ("The content received by the Dropbox server in this call does not match the provided content
   * hash"), storing nothing; an upload sent without `content_hash` would store the damaged bytes.
   */
  damageNextUpload(): void {
    this.damageUploads++;
  }

  /**
   * The next upload-session call with data (`start` or `append_v2`, matched by `endpoint`) arrives with one byte
   * changed. With the call's `content_hash` Dropbox refuses it (409 `content_hash_mismatch`) and the session
   * keeps its offset; without one the damaged bytes become part of the file.
   */
  damageNextSessionData(endpoint: RegExp = /append_v2$/): void {
    this.damagedSessionCalls.push(endpoint);
  }

  private readonly damagedSessionCalls: RegExp[] = [];

  /** `body`, with one byte changed when the next damage planned for `url` is due. */
  private maybeDamaged(url: string, body: Buffer): Buffer {
    const i = this.damagedSessionCalls.findIndex((r) => r.test(url));
    if (i < 0 || body.length === 0) return body;
    this.damagedSessionCalls.splice(i, 1);
    body[body.length >> 1] ^= 0xff;
    return body;
  }

  /**
   * The next `finish` finds its session holding only `offset` bytes (data lost on the server's
   * side) and answers `incorrect_offset` with that offset.
   */
  rollBackNextFinish(offset: number): void {
    this.finishRollback = offset;
  }

  /** Makes a namespace usable through `Dropbox-API-Path-Root` (a shared or team folder's id). */
  addNamespace(id: string): void {
    this.namespaces.add(id);
  }

  /** Display names of the files directly in the folder at `path` (any case). */
  list(path: string, namespace = HOME): string[] {
    const prefix = key(namespace, path === '/' ? '' : path) + '/';
    return [...this.files.entries()].filter(([k]) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/')).map(([, f]) => f.path.split('/').pop()!);
  }

  /** Deletes the file or folder at `path` with everything below it. */
  remove(path: string, namespace = HOME): void {
    const k = key(namespace, path);
    for (const map of [this.files, this.folders] as Map<string, unknown>[]) {
      for (const existing of [...map.keys()]) if (existing === k || existing.startsWith(`${k}/`)) map.delete(existing);
    }
  }

  /** A stored file by path (any case); `namespace` is a Path-Root namespace id, home by default. */
  file(path: string, namespace = HOME): DropboxFile | undefined {
    return this.files.get(key(namespace, path));
  }

  /** Puts a file in place, as another client would. */
  putFile(path: string, content: Buffer, namespace = HOME): DropboxFile {
    this.ensureParents(namespace, path);
    const f = makeFile(path, content, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    this.files.set(key(namespace, path), f);
    return f;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://double.invalid');
    if (url.pathname === '/oauth2/token') return this.token(req, res, url);
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiry = auth === undefined ? undefined : this.accessTokens.get(auth);
    if (expiry === undefined) return this.error(res, 401, 'invalid_access_token/', { '.tag': 'invalid_access_token' }, req);
    if (expiry <= Date.now()) return this.error(res, 401, 'expired_access_token/', { '.tag': 'expired_access_token' }, req);
    const idx = this.scripted.findIndex((s) => s.match.test(url.pathname));
    if (idx >= 0) {
      const s = this.scripted.splice(idx, 1)[0]!;
      return this.error(res, s.status, s.summary, s.error, req, s.headers);
    }
    const root = this.pathRootProblem(req);
    if (root) {
      // Path-Root errors are HTTP 422 (PathRootError).
      return this.error(res, 422, `${root}/`, { '.tag': root }, req);
    }
    const lose = this.loseResponses.findIndex((m) => m.test(url.pathname));
    if (lose >= 0) this.loseResponses.splice(lose, 1);
    const out = lose >= 0 ? lostReply(res) : res;
    await this.router.dispatch(req, out, (r) => sendJson(r, 400, 'Unknown API function'));
  }

  private readonly router = new Router()
    .on('POST', /^\/2\/files\/upload$/, async (req, res) => {
      const arg = apiArg(req);
      const body = await readBody(req);
      if (this.damageUploads > 0 && body.length > 0) {
        this.damageUploads--;
        body[body.length >> 1] ^= 0xff;
      }
      const ns = this.namespaceOf(req);
      if (typeof arg.content_hash === 'string' && arg.content_hash !== dropboxContentHash(body)) {
        return this.error(res, 409, 'content_hash_mismatch/', { '.tag': 'content_hash_mismatch' }, req);
      }
      const result = this.commit(ns, body, arg);
      if ('error' in result) return this.error(res, 409, `path/${result.error}/`, { '.tag': 'path', reason: result.reason, upload_session_id: `s-${randomUUID()}` }, req);
      sendJson(res, 200, result.metadata);
    })
    .on('POST', /^\/2\/files\/upload_session\/start$/, async (req, res) => {
      const arg = apiArg(req);
      const body = this.maybeDamaged(req.url ?? '', await readBody(req));
      if (typeof arg.content_hash === 'string' && arg.content_hash !== dropboxContentHash(body)) {
        return this.error(res, 409, 'content_hash_mismatch/', { '.tag': 'content_hash_mismatch' }, req);
      }
      const id = `pid_upload_session:${randomUUID()}`;
      this.sessions.set(id, { data: body.length ? [body] : [], offset: body.length, closed: arg.close === true, namespace: this.namespaceOf(req) });
      sendJson(res, 200, { session_id: id });
    })
    .on('POST', /^\/2\/files\/upload_session\/append_v2$/, async (req, res) => {
      const arg = apiArg(req);
      const body = this.maybeDamaged(req.url ?? '', await readBody(req));
      const cursor = arg.cursor as { session_id: string; offset: number };
      const session = this.sessions.get(cursor?.session_id);
      if (!session) return this.error(res, 409, 'not_found/', { '.tag': 'not_found' }, req);
      if (typeof arg.content_hash === 'string' && arg.content_hash !== dropboxContentHash(body)) {
        return this.error(res, 409, 'content_hash_mismatch/', { '.tag': 'content_hash_mismatch' }, req);
      }
      if (session.closed) return this.error(res, 409, 'closed/', { '.tag': 'closed' }, req);
      if (cursor.offset !== session.offset) {
        return this.error(res, 409, 'incorrect_offset/', { '.tag': 'incorrect_offset', correct_offset: session.offset }, req);
      }
      session.data.push(body);
      session.offset += body.length;
      if (arg.close === true) session.closed = true;
      sendJson(res, 200, null);
    })
    .on('POST', /^\/2\/files\/upload_session\/finish$/, async (req, res) => {
      const arg = apiArg(req);
      const body = await readBody(req);
      const cursor = arg.cursor as { session_id: string; offset: number };
      const session = this.sessions.get(cursor?.session_id);
      if (session && this.finishRollback !== undefined) {
        session.data = [Buffer.concat(session.data).subarray(0, this.finishRollback)];
        session.offset = this.finishRollback;
        this.finishRollback = undefined;
      }
      if (!session) return this.error(res, 409, 'lookup_failed/not_found/', { '.tag': 'lookup_failed', lookup_failed: { '.tag': 'not_found' } }, req);
      if (cursor.offset !== session.offset) {
        return this.error(res, 409, 'lookup_failed/incorrect_offset/', { '.tag': 'lookup_failed', lookup_failed: { '.tag': 'incorrect_offset', correct_offset: session.offset } }, req);
      }
      const content = Buffer.concat([...session.data, body]);
      const result = this.commit(session.namespace, content, arg.commit as Record<string, unknown>);
      if ('error' in result) return this.error(res, 409, `path/${result.error}/`, { '.tag': 'path', path: result.reason }, req);
      this.sessions.delete(cursor.session_id);
      sendJson(res, 200, result.metadata);
    })
    .on('POST', /^\/2\/files\/get_metadata$/, async (req, res) => {
      const arg = (JSON.parse((await readBody(req)).toString('utf8') || '{}') as { path?: string });
      const ns = this.namespaceOf(req);
      const path = arg.path ?? '';
      const malformed = checkPath(path);
      if (malformed) return this.error(res, 409, 'path/malformed_path/', { '.tag': 'path', path: { '.tag': 'malformed_path' } }, req);
      const file = this.files.get(key(ns, path));
      if (file) return sendJson(res, 200, { '.tag': 'file', ...fileMetadata(file) });
      const folder = this.folders.get(key(ns, path));
      if (folder !== undefined) {
        const readOnly = this.isReadOnly(path);
        return sendJson(res, 200, {
          '.tag': 'folder', name: folder.split('/').pop(), path_lower: folder.toLowerCase(), path_display: folder, id: `id:${hashId(folder)}`,
          ...(readOnly ? { sharing_info: { read_only: true, parent_shared_folder_id: '84528192421', traverse_only: false, no_access: false } } : {}),
        });
      }
      this.error(res, 409, 'path/not_found/', { '.tag': 'path', path: { '.tag': 'not_found' } }, req);
    })
    .on('POST', /^\/2\/files\/create_folder_v2$/, async (req, res) => {
      const arg = (JSON.parse((await readBody(req)).toString('utf8') || '{}') as { path?: string });
      const ns = this.namespaceOf(req);
      const path = arg.path ?? '';
      if (checkPath(path)) return this.error(res, 409, 'path/malformed_path/', { '.tag': 'path', path: { '.tag': 'malformed_path' } }, req);
      if (this.isReadOnly(path)) return this.error(res, 409, 'path/no_write_permission/', { '.tag': 'path', path: { '.tag': 'no_write_permission' } }, req);
      if (this.files.has(key(ns, path))) return this.error(res, 409, 'path/conflict/file/', { '.tag': 'path', path: { '.tag': 'conflict', conflict: { '.tag': 'file' } } }, req);
      if (this.folders.has(key(ns, path))) return this.error(res, 409, 'path/conflict/folder/', { '.tag': 'path', path: { '.tag': 'conflict', conflict: { '.tag': 'folder' } } }, req);
      this.ensureParents(ns, path);
      this.folders.set(key(ns, path), path);
      sendJson(res, 200, { metadata: { name: path.split('/').pop(), path_lower: path.toLowerCase(), path_display: path, id: `id:${hashId(path)}` } });
    })
    .on('POST', /^\/2\/users\/get_current_account$/, async (req, res) => {
      await readBody(req);
      sendJson(res, 200, {
        account_id: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc', email: 'filing@example.com', account_type: { '.tag': 'business' },
        root_info: { '.tag': 'team', root_namespace_id: this.rootNamespaceId, home_namespace_id: this.homeNamespaceId, home_path: '/Filing Sync' },
      });
    });

  private token(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void> {
    return readBody(req).then((body) => {
      // The SDK sends the grant in the query string (or, with dataOnBody, in the body).
      const params = new URLSearchParams(url.search);
      const text = body.toString('utf8');
      if (text) for (const [k, v] of new URLSearchParams(text.startsWith('{') ? Object.entries(JSON.parse(text) as Record<string, string>) : text)) params.set(k, v);
      if (params.get('grant_type') !== 'refresh_token') return sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'grant_type must be refresh_token' });
      if (params.get('client_id') !== this.appKey) return sendJson(res, 400, { error: 'invalid_client', error_description: 'Invalid client_id or client_secret' });
      if (!this.refreshTokens.has(params.get('refresh_token') ?? '')) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'refresh token is invalid or revoked' });
      this.refreshCount++;
      sendJson(res, 200, { access_token: this.issueAccessToken(), token_type: 'bearer', expires_in: this.accessTokenSeconds });
    });
  }

  private commit(ns: string, content: Buffer, arg: Record<string, unknown>):
    | { metadata: Record<string, unknown> }
    | { error: string; reason: Record<string, unknown> } {
    const path = String(arg.path ?? '');
    if (checkPath(path)) return { error: 'malformed_path', reason: { '.tag': 'malformed_path' } };
    const name = path.split('/').pop()!;
    if (DISALLOWED.has(name.toLowerCase())) return { error: 'disallowed_name', reason: { '.tag': 'disallowed_name' } };
    if (this.isReadOnly(path)) return { error: 'no_write_permission', reason: { '.tag': 'no_write_permission' } };
    const mode = (arg.mode as { '.tag'?: string } | undefined)?.['.tag'] ?? 'add';
    const existing = this.files.get(key(ns, path));
    if (this.folders.has(key(ns, path))) return { error: 'conflict/folder', reason: { '.tag': 'conflict', conflict: { '.tag': 'folder' } } };
    if (existing && mode === 'add') {
      const same = existing.content.equals(content);
      if (arg.strict_conflict === true || !same) return { error: 'conflict/file', reason: { '.tag': 'conflict', conflict: { '.tag': 'file' } } };
      return { metadata: fileMetadata(existing) };
    }
    let used = 0;
    for (const f of this.files.values()) used += f.content.length;
    if (used + content.length > this.quotaBytes) return { error: 'insufficient_space', reason: { '.tag': 'insufficient_space' } };
    // WriteConflictError.file_ancestor: a file where a parent folder would have to be made.
    for (let p = parentOf(path); p !== ''; p = parentOf(p)) {
      if (this.files.has(key(ns, p))) return { error: 'conflict/file_ancestor', reason: { '.tag': 'conflict', conflict: { '.tag': 'file_ancestor' } } };
    }
    this.ensureParents(ns, path);
    const file = makeFile(path, content, typeof arg.client_modified === 'string' ? arg.client_modified : new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    this.files.set(key(ns, path), file);
    return { metadata: fileMetadata(file) };
  }

  private ensureParents(ns: string, path: string): void {
    for (let p = parentOf(path); p !== ''; p = parentOf(p)) if (!this.folders.has(key(ns, p))) this.folders.set(key(ns, p), p);
  }

  private isReadOnly(path: string): boolean {
    const lower = path.toLowerCase();
    for (const ro of this.readOnly) if (lower === ro || lower.startsWith(`${ro}/`)) return true;
    return false;
  }

  private pathRootProblem(req: IncomingMessage): string | undefined {
    const header = req.headers['dropbox-api-path-root'];
    if (typeof header !== 'string') return undefined;
    let root: { '.tag'?: string; root?: string; namespace_id?: string };
    try {
      root = JSON.parse(header) as typeof root;
    } catch {
      return 'invalid_root';
    }
    if (root['.tag'] === 'home') return undefined;
    const id = root.root ?? root.namespace_id;
    if (root['.tag'] === 'root' && id !== this.rootNamespaceId) return 'invalid_root';
    return id !== undefined && this.namespaces.has(id) ? undefined : 'no_permission';
  }

  private namespaceOf(req: IncomingMessage): string {
    const header = req.headers['dropbox-api-path-root'];
    if (typeof header !== 'string') return HOME;
    const root = JSON.parse(header) as { '.tag': string; root?: string; namespace_id?: string };
    if (root['.tag'] === 'home') return HOME;
    return root.root ?? root.namespace_id ?? HOME;
  }

  private error(res: ServerResponse, status: number, summary: string, error: Record<string, unknown>, req: IncomingMessage, headers: Record<string, string> = {}): void {
    req.resume();
    sendJson(res, status, { error_summary: summary, error }, headers);
  }
}

const DISALLOWED = new Set(['desktop.ini', 'thumbs.db', '.ds_store', 'icon\r', '.dropbox', '.dropbox.attr']);

function apiArg(req: IncomingMessage): Record<string, unknown> {
  const raw = req.headers['dropbox-api-arg'];
  return typeof raw === 'string' ? (JSON.parse(raw) as Record<string, unknown>) : {};
}

function key(namespace: string, path: string): string {
  return `${namespace}:${path.normalize('NFC').toLowerCase()}`;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '' : path.slice(0, i);
}

/** Dropbox's path rules as `malformed_path` enforces them: absolute, no empty segment, ≤255 per name. */
function checkPath(path: string): boolean {
  if (!path.startsWith('/') || path.endsWith('/') || path.includes('//')) return true;
  return path.split('/').slice(1).some((s) => s.length > 255 || s === '.' || s === '..' || /[\u0000-\u001f\u007f]/.test(s) || s.endsWith(' '));
}

function hashId(s: string): string {
  return createHash('sha1').update(s.toLowerCase()).digest('base64url').slice(0, 16);
}

function makeFile(path: string, content: Buffer, clientModified: string): DropboxFile {
  return { path, content, contentHash: dropboxContentHash(content), clientModified, rev: randomUUID().replace(/-/g, '').slice(0, 15), id: `id:${hashId(path + Date.now())}` };
}

function fileMetadata(f: DropboxFile): Record<string, unknown> {
  return {
    name: f.path.split('/').pop(), path_lower: f.path.toLowerCase(), path_display: f.path, id: f.id,
    client_modified: f.clientModified, server_modified: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    rev: f.rev, size: f.content.length, is_downloadable: true, content_hash: f.contentHash,
  };
}
