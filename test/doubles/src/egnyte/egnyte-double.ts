/**
 * A double of the Egnyte Public API v1 for the calls the Egnyte sink makes, following
 * developers.egnyte.com: `fs` metadata and `add_folder`, `fs-content` uploads (a new version when
 * the path exists), `fs-content-chunked` uploads (upload id, chunk numbers, last-chunk flag,
 * SHA-512 per chunk), the OAuth password grant at `/puboauth/token`, and Mashery throttling
 * (403 with `X-Mashery-Error-Code` and `Retry-After`). Paths are case-insensitive, as in Egnyte.
 * @packageDocumentation
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultPlan } from '../kit/faults.js';
import { Router, readBody, sendJson } from '../kit/http.js';
import { lostReply } from '../kit/lost-reply.js';
import { startDouble, type RunningDouble } from '../kit/server.js';

/** A stored file version. */
export interface EgnyteFile {
  name: string;
  bytes: Buffer;
  checksum: string;
  entryId: string;
  groupId: string;
  lastModified: Date;
  versions: number;
}

interface Folder {
  name: string;
  folderId: string;
  folders: Map<string, Folder>;
  files: Map<string, EgnyteFile>;
}

interface ChunkSession {
  path: string[];
  chunks: Buffer[];
  expectedNext: number;
}

/** Options of {@link startEgnyteDouble}. */
export interface EgnyteDoubleOptions {
  /** Access tokens the API accepts. */
  tokens?: string[];
  /** Password-grant users (`username` → `password`) and the API key they must come with. */
  users?: Record<string, string>;
  clientId?: string;
  /** Per-token calls per second before Mashery answers `ERR_403_DEVELOPER_OVER_QPS`; none when omitted. */
  qps?: number;
  /** Per-token calls in all before `ERR_403_DEVELOPER_OVER_RATE` (the daily quota); none when omitted. */
  dailyQuota?: number;
  /** Smallest chunk (but the last) a chunked upload accepts; Egnyte's is 10 MiB. */
  minChunkSize?: number;
  /**
   * How the last chunk of a chunked upload is answered: `file` (the default) also describes the
   * stored file (`ETag`, `X-Sha512-Checksum`, a JSON body), as a plain upload's reply does; `chunk`
   * carries only the chunk headers every chunk's reply has (upload id, chunk number, chunk SHA-512),
   * which is all Egnyte's documentation promises there.
   */
  lastChunkReply?: 'file' | 'chunk';
  /** Random faults from the start. */
  faults?: FaultPlan;
}

/** A running Egnyte double. */
export interface EgnyteDouble extends RunningDouble {
  /** Makes a folder (and its parents) exist. */
  mkdir(path: string): void;
  /** Stores a file at `path` (parents created). */
  putFile(path: string, bytes: Buffer | string, lastModified?: Date): EgnyteFile;
  /** The file at `path`, if any. */
  file(path: string): EgnyteFile | undefined;
  /** Names of the files directly in folder `path`. */
  fileNames(path: string): string[];
  /** Deletes the file or folder at `path` with everything below it, as a user in the web UI would. */
  remove(path: string): void;
  /** Writes under `path` (and below) are refused with 403; reading is allowed. */
  denyWrites(path: string): void;
  /**
   * The next last chunk (`X-Egnyte-Last-Chunk: true`) is processed in full (the file stored, its
   * upload id spent) but its reply is lost: the connection drops instead.
   */
  loseReplyToLastChunk(): void;
  /**
   * The next chunk numbered `number` that is not the last is stored but its reply is lost (the
   * connection drops). With `refuseResend` (the default) its upload id is spent as well, so sending
   * the chunk again is refused with 400 "Unknown or expired upload id", as Egnyte may answer an
   * upload id it no longer knows.
   */
  loseReplyToChunk(number: number, refuseResend?: boolean): void;
  /** Adds or removes an accepted access token. */
  allowToken(token: string): void;
  revokeToken(token: string): void;
  /** Issues a one-time authorisation code for `username`, valid with `redirectUri`. */
  issueCode(username: string, redirectUri: string): string;
  /** Chunked uploads begun and not finished. */
  readonly openChunkedUploads: number;
}

const QPS_ERROR = 'ERR_403_DEVELOPER_OVER_QPS';
const RATE_ERROR = 'ERR_403_DEVELOPER_OVER_RATE';

function sha512(data: Buffer): string {
  return createHash('sha512').update(data).digest('hex');
}

function splitPath(raw: string): string[] {
  return raw.split('/').filter((s) => s !== '');
}

function key(name: string): string {
  return name.toLowerCase();
}

/** Mashery's throttling reply: 403, the error code header, Retry-After, an HTML body. */
function masheryReply(res: ServerResponse, code: string, retryAfterSeconds: number): void {
  const body = code === QPS_ERROR ? '<h1>Developer Over Qps</h1>' : '<h1>Developer Over Rate</h1>';
  res.writeHead(403, {
    'content-type': 'text/html',
    'x-mashery-error-code': code,
    'retry-after': String(retryAfterSeconds),
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/**
 * Starts the Egnyte double on 127.0.0.1 (HTTPS with the run's test certificate). The folders
 * `/Shared` and `/Private` exist from the start.
 */
export async function startEgnyteDouble(options: EgnyteDoubleOptions = {}): Promise<EgnyteDouble> {
  const tokens = new Set(options.tokens ?? ['egnyte-test-token']);
  const users = options.users ?? {};
  const root: Folder = { name: '', folderId: randomUUID(), folders: new Map(), files: new Map() };
  const denied: string[][] = [];
  const sessions = new Map<string, ChunkSession>();
  const calls = new Map<string, number[]>();
  const totals = new Map<string, number>();
  const tokenUsers = new Map<string, string>();
  const codes = new Map<string, { username: string; redirectUri: string }>();
  let loseLastChunkReplies = 0;
  const loseChunkReplies: Array<{ number: number; refuseResend: boolean }> = [];

  const mkFolder = (name: string): Folder => ({ name, folderId: randomUUID(), folders: new Map(), files: new Map() });
  for (const top of ['Shared', 'Private']) root.folders.set(key(top), mkFolder(top));

  const folderAt = (segments: string[]): Folder | undefined => {
    let f: Folder | undefined = root;
    for (const s of segments) {
      f = f.folders.get(key(s));
      if (!f) return undefined;
    }
    return f;
  };
  const isDenied = (segments: string[]): boolean =>
    denied.some((d) => d.length <= segments.length && d.every((s, i) => key(s) === key(segments[i]!)));
  const displayPath = (segments: string[]): string => {
    const names: string[] = [];
    let f: Folder | undefined = root;
    for (const s of segments) {
      const next: Folder | undefined = f?.folders.get(key(s));
      const file: EgnyteFile | undefined = f?.files.get(key(s));
      names.push(next?.name ?? file?.name ?? s);
      f = next;
    }
    return `/${names.join('/')}`;
  };

  const storeFile = (segments: string[], bytes: Buffer, lastModified: Date): EgnyteFile => {
    const parent = folderAt(segments.slice(0, -1))!;
    const name = segments[segments.length - 1]!;
    const existing = parent.files.get(key(name));
    const file: EgnyteFile = {
      name: existing?.name ?? name,
      bytes,
      checksum: sha512(bytes),
      entryId: randomUUID(),
      groupId: existing?.groupId ?? randomUUID(),
      lastModified,
      versions: (existing?.versions ?? 0) + 1,
    };
    parent.files.set(key(name), file);
    return file;
  };

  const fileJson = (segments: string[], f: EgnyteFile) => ({
    checksum: f.checksum,
    size: f.bytes.length,
    path: displayPath(segments),
    name: f.name,
    locked: false,
    is_folder: false,
    entry_id: f.entryId,
    group_id: f.groupId,
    last_modified: f.lastModified.toUTCString(),
    uploaded_by: 'filing-sync',
    num_versions: f.versions,
  });

  const uploadHeaders = (f: EgnyteFile) => ({
    etag: f.entryId,
    'x-sha512-checksum': f.checksum,
    'last-modified': f.lastModified.toUTCString(),
  });

  /** Authorisation and Mashery's per-token counting, in that order, as the real gateway does. */
  const admit = (req: IncomingMessage, res: ServerResponse): boolean => {
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!tokens.has(token)) {
      sendJson(res, 401, { errorMessage: 'Invalid or expired access token' }, { 'www-authenticate': 'Bearer realm="Egnyte"' });
      req.resume();
      return false;
    }
    const total = (totals.get(token) ?? 0) + 1;
    totals.set(token, total);
    if (options.dailyQuota !== undefined && total > options.dailyQuota) {
      req.resume();
      masheryReply(res, RATE_ERROR, 3600);
      return false;
    }
    if (options.qps !== undefined) {
      const now = Date.now();
      const recent = (calls.get(token) ?? []).filter((t) => now - t < 1000);
      if (recent.length >= options.qps) {
        req.resume();
        masheryReply(res, QPS_ERROR, 1);
        return false;
      }
      recent.push(now);
      calls.set(token, recent);
    }
    return true;
  };

  const router = new Router();

  router.on('POST', /^\/puboauth\/token$/, async (req, res) => {
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const grantType = form.get('grant_type');
    if (grantType !== 'password' && grantType !== 'authorization_code') {
      sendJson(res, 400, { error: 'unsupported_grant_type' });
      return;
    }
    if (options.clientId !== undefined && form.get('client_id') !== options.clientId) {
      sendJson(res, 400, { error: 'invalid_client' });
      return;
    }
    let username = form.get('username') ?? '';
    if (grantType === 'authorization_code') {
      // A code works once, and only with the redirect URI it was issued for.
      const issued = codes.get(form.get('code') ?? '');
      if (!issued || issued.redirectUri !== form.get('redirect_uri')) {
        sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid or used authorization code' });
        return;
      }
      codes.delete(form.get('code')!);
      username = issued.username;
    } else if (!(username in users) || users[username] !== form.get('password')) {
      sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid username or password' });
      return;
    }
    const token = `pw-${randomUUID()}`;
    tokens.add(token);
    tokenUsers.set(token, username);
    // Egnyte's tokens do not expire: expires_in is -1.
    sendJson(res, 200, { access_token: token, token_type: 'bearer', expires_in: -1 });
  });

  router.on('GET', /^\/pubapi\/v1\/userinfo$/, (req, res) => {
    if (!admit(req, res)) return;
    const token = (req.headers.authorization ?? '').slice(7);
    const username = tokenUsers.get(token) ?? 'filing-sync';
    sendJson(res, 200, { id: 1001, username, first_name: 'Filing', last_name: 'Sync' });
  });

  // Effective permission of a user on a folder (Permissions API v1): Viewer where writes are denied.
  router.on('GET', /^\/pubapi\/v1\/perms\/user\/(?<user>[^/]+)$/, (req, res, _params, url) => {
    if (!admit(req, res)) return;
    const segments = splitPath(url.searchParams.get('folder') ?? '');
    if (!folderAt(segments)) {
      sendJson(res, 404, { errorMessage: 'Folder not found' });
      return;
    }
    sendJson(res, 200, { permission: isDenied(segments) ? 'Viewer' : 'Owner' });
  });

  router.on('GET', /^\/pubapi\/v1\/fs(?:\/(?<path>.*))?$/, (req, res, params) => {
    if (!admit(req, res)) return;
    const segments = splitPath(params.path ?? '');
    const folder = folderAt(segments);
    if (folder) {
      sendJson(res, 200, {
        name: folder.name,
        path: displayPath(segments),
        folder_id: folder.folderId,
        is_folder: true,
        folders: [...folder.folders.values()].map((f) => ({ name: f.name, path: displayPath([...segments, f.name]), folder_id: f.folderId, is_folder: true })),
        files: [...folder.files.values()].map((f) => fileJson([...segments, f.name], f)),
      });
      return;
    }
    const parent = folderAt(segments.slice(0, -1));
    const file = segments.length > 0 ? parent?.files.get(key(segments[segments.length - 1]!)) : undefined;
    if (!file) {
      sendJson(res, 404, { errorMessage: 'Path not found' });
      return;
    }
    sendJson(res, 200, fileJson(segments, file));
  });

  router.on('POST', /^\/pubapi\/v1\/fs\/(?<path>.+)$/, async (req, res, params) => {
    if (!admit(req, res)) return;
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { action?: string };
    if (body.action !== 'add_folder') {
      sendJson(res, 400, { errorMessage: `Unsupported action ${String(body.action)}` });
      return;
    }
    const segments = splitPath(params.path!);
    const parent = folderAt(segments.slice(0, -1));
    const name = segments[segments.length - 1]!;
    if (!parent) {
      sendJson(res, 404, { errorMessage: 'Parent folder does not exist' });
      return;
    }
    if (parent.folders.has(key(name)) || parent.files.has(key(name))) {
      sendJson(res, 403, { errorMessage: 'Folder already exists at this location' });
      return;
    }
    // The top folders and the users' private folders are the administrator's to make.
    if (segments.length < 2 || (key(segments[0]!) === 'private' && segments.length < 3) || isDenied(segments)) {
      sendJson(res, 403, { errorMessage: 'User does not have permission to create a folder here' });
      return;
    }
    const folder = mkFolder(name);
    parent.folders.set(key(name), folder);
    sendJson(res, 201, { path: displayPath(segments), folder_id: folder.folderId });
  });

  router.on('POST', /^\/pubapi\/v1\/fs-content\/(?<path>.+)$/, async (req, res, params) => {
    if (!admit(req, res)) return;
    const segments = splitPath(params.path!);
    const bytes = await readBody(req);
    const parent = folderAt(segments.slice(0, -1));
    if (!parent) {
      sendJson(res, 404, { errorMessage: 'Parent folder does not exist' });
      return;
    }
    if (isDenied(segments)) {
      sendJson(res, 403, { errorMessage: 'User does not have permission to upload here' });
      return;
    }
    const claimed = req.headers['x-sha512-checksum'];
    if (typeof claimed === 'string' && claimed.toLowerCase() !== sha512(bytes)) {
      sendJson(res, 400, { errorMessage: 'Checksum of the uploaded content does not match X-Sha512-Checksum' });
      return;
    }
    const modified = req.headers['last-modified'] ? new Date(req.headers['last-modified']) : new Date();
    const file = storeFile(segments, bytes, Number.isNaN(modified.getTime()) ? new Date() : modified);
    sendJson(res, 200, { checksum: file.checksum, group_id: file.groupId, entry_id: file.entryId }, uploadHeaders(file));
  });

  router.on('POST', /^\/pubapi\/v1\/fs-content-chunked\/(?<path>.+)$/, async (req, reply, params) => {
    if (!admit(req, reply)) return;
    const segments = splitPath(params.path!);
    const bytes = await readBody(req);
    const num = Number(req.headers['x-egnyte-chunk-num']);
    const last = String(req.headers['x-egnyte-last-chunk'] ?? '').toLowerCase() === 'true';
    const loseAt = last ? -1 : loseChunkReplies.findIndex((l) => l.number === num);
    const loseChunk = loseAt >= 0 ? loseChunkReplies.splice(loseAt, 1)[0] : undefined;
    const lose = (last && loseLastChunkReplies > 0) || loseChunk !== undefined;
    if (last && lose) loseLastChunkReplies--;
    const res = lose ? lostReply(reply) : reply;
    const claimed = req.headers['x-egnyte-chunk-sha512-checksum'];
    if (!Number.isInteger(num) || num < 1) {
      sendJson(res, 400, { errorMessage: 'X-Egnyte-Chunk-Num is required' });
      return;
    }
    if (typeof claimed === 'string' && claimed.toLowerCase() !== sha512(bytes)) {
      sendJson(res, 400, { errorMessage: 'Chunk checksum mismatch' });
      return;
    }
    if (!last && options.minChunkSize !== undefined && bytes.length < options.minChunkSize) {
      sendJson(res, 400, { errorMessage: `Chunk size must be at least ${options.minChunkSize} bytes` });
      return;
    }
    let uploadId = req.headers['x-egnyte-upload-id'] as string | undefined;
    let session: ChunkSession | undefined;
    if (num === 1) {
      if (!folderAt(segments.slice(0, -1))) {
        sendJson(res, 404, { errorMessage: 'Parent folder does not exist' });
        return;
      }
      if (isDenied(segments)) {
        sendJson(res, 403, { errorMessage: 'User does not have permission to upload here' });
        return;
      }
      uploadId = randomUUID();
      session = { path: segments, chunks: [], expectedNext: 1 };
      sessions.set(uploadId, session);
    } else {
      session = uploadId ? sessions.get(uploadId) : undefined;
      if (!session) {
        sendJson(res, 400, { errorMessage: 'Unknown or expired upload id' });
        return;
      }
    }
    // A chunk sent again (a retry after a lost reply) replaces itself; a gap is an error.
    if (num > session.expectedNext) {
      sendJson(res, 400, { errorMessage: `Expected chunk ${session.expectedNext}, got ${num}` });
      return;
    }
    session.chunks[num - 1] = bytes;
    session.chunks.length = num;
    session.expectedNext = num + 1;
    const chunkHeaders = {
      'x-egnyte-upload-id': uploadId!,
      'x-egnyte-chunk-num': String(num),
      'x-egnyte-chunk-sha512-checksum': sha512(bytes),
    };
    if (!last) {
      // The id is spent with the lost reply: a resend of the chunk is refused above.
      if (loseChunk?.refuseResend) sessions.delete(uploadId!);
      res.writeHead(200, { ...chunkHeaders, 'content-length': '0' });
      res.end();
      return;
    }
    sessions.delete(uploadId!);
    if (!folderAt(segments.slice(0, -1))) {
      sendJson(res, 404, { errorMessage: 'Parent folder does not exist' });
      return;
    }
    const modified = req.headers['last-modified'] ? new Date(req.headers['last-modified']) : new Date();
    const file = storeFile(segments, Buffer.concat(session.chunks), Number.isNaN(modified.getTime()) ? new Date() : modified);
    if (options.lastChunkReply === 'chunk') {
      res.writeHead(200, { ...chunkHeaders, 'content-length': '0' });
      res.end();
      return;
    }
    sendJson(res, 200, { checksum: file.checksum, group_id: file.groupId, entry_id: file.entryId }, { ...chunkHeaders, ...uploadHeaders(file) });
  });

  const double = await startDouble({
    https: true,
    faults: options.faults,
    // Egnyte throttles through Mashery: a 403 with an error code, never a 429.
    errorReply: (res, status, retryAfterSeconds) => {
      if (status === 429) masheryReply(res, QPS_ERROR, retryAfterSeconds);
      else sendJson(res, 503, { errorMessage: 'Service Unavailable' }, { 'retry-after': String(retryAfterSeconds) });
    },
    handler: (req, res) => router.dispatch(req, res, (r) => sendJson(r, 404, { errorMessage: 'Not found' })).then(() => undefined),
  });

  const mkdir = (path: string): void => {
    let f = root;
    for (const s of splitPath(path)) {
      let next = f.folders.get(key(s));
      if (!next) {
        next = mkFolder(s);
        f.folders.set(key(s), next);
      }
      f = next;
    }
  };

  return {
    ...double,
    mkdir,
    putFile(path, bytes, lastModified = new Date()) {
      const segments = splitPath(path);
      mkdir(`/${segments.slice(0, -1).join('/')}`);
      return storeFile(segments, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), lastModified);
    },
    file(path) {
      const segments = splitPath(path);
      return folderAt(segments.slice(0, -1))?.files.get(key(segments[segments.length - 1] ?? ''));
    },
    fileNames(path) {
      return [...(folderAt(splitPath(path))?.files.values() ?? [])].map((f) => f.name);
    },
    remove(path) {
      const segments = splitPath(path);
      const parent = folderAt(segments.slice(0, -1));
      const name = key(segments[segments.length - 1] ?? '');
      if (!parent || segments.length < 2) return;
      parent.folders.delete(name);
      parent.files.delete(name);
    },
    denyWrites(path) {
      denied.push(splitPath(path));
    },
    loseReplyToLastChunk() {
      loseLastChunkReplies++;
    },
    loseReplyToChunk(number, refuseResend = true) {
      loseChunkReplies.push({ number, refuseResend });
    },
    allowToken(token) {
      tokens.add(token);
    },
    revokeToken(token) {
      tokens.delete(token);
    },
    issueCode(username, redirectUri) {
      const code = `code-${randomUUID()}`;
      codes.set(code, { username, redirectUri });
      return code;
    },
    get openChunkedUploads() {
      return sessions.size;
    },
  };
}
