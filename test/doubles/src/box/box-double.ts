/**
 * A double of the Box API 2.0 for the calls filing-sync makes: preflight (`OPTIONS
 * /files/content`), simple upload (multipart `POST /files/content` on the upload host), chunked
 * upload sessions (create, parts with `Digest` and `Content-Range`, list parts, commit that may
 * answer 202 + `Retry-After`, abort), `POST /folders`, `GET /folders/:id`, `GET /files/:id`, and
 * `POST /oauth2/token` (client credentials, single-use refresh tokens, JWT bearer).
 *
 * It follows developer.box.com/reference: errors are `{type: "error", status, code, message,
 * context_info, request_id}`; a taken name is 409 `item_name_in_use` with the conflicting item in
 * `context_info.conflicts`; a name another request is creating is 409 `name_temporarily_reserved`;
 * throttling is 429 `rate_limit_exceeded` with `retry-after`; an upload session that expired or
 * failed is 410 `session_expired` / `upload_failed`; a refused
 * token is 401 with `WWW-Authenticate`. Names are unique per folder, case-insensitively.
 * @packageDocumentation
 */
import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendEmpty, sendJson, Router } from '../kit/http.js';
import { startDouble, type RunningDouble } from '../kit/server.js';
import { lostReply } from '../kit/lost-reply.js';
import type { FaultPlan } from '../kit/faults.js';

/** A folder. */
export interface BoxFolder {
  id: string;
  name: string;
  parentId: string | undefined;
  /**
   * Uploads and sub-folders refused (403), as for a Viewer collaborator. Not inherited: a folder
   * below keeps its own access, as one with its own (Editor) collaboration does.
   */
  readOnly?: boolean;
}

/** A file. */
export interface BoxFile {
  id: string;
  name: string;
  parentId: string;
  content: Buffer;
  sha1: string;
  contentModifiedAt: string | undefined;
  etag: string;
}

interface UploadPart {
  part_id: string;
  offset: number;
  size: number;
  sha1: string;
  data: Buffer;
}

interface UploadSession {
  id: string;
  folderId: string;
  fileName: string;
  fileSize: number;
  partSize: number;
  parts: UploadPart[];
  /** Set by {@link BoxDouble.failNextSession}: the 410 code its calls get once `goneAfterParts` parts are in. */
  gone?: 'session_expired' | 'upload_failed';
  goneAfterParts?: number;
}

/** Options of {@link BoxDouble.start}. */
export interface BoxDoubleOptions {
  /** Client credentials accepted by the token endpoint. */
  clientId?: string;
  clientSecret?: string;
  /** Enterprise id accepted for `box_subject_type=enterprise`. */
  enterpriseId?: string;
  /** PEM public key accepted for JWT assertions (`urn:ietf:params:oauth:grant-type:jwt-bearer`). */
  jwtPublicKey?: string;
  /** Lifetime of issued access tokens, in seconds. */
  accessTokenSeconds?: number;
  /** Part size the server picks for upload sessions; Box uses 8 MiB for files like ours. */
  partSize?: number;
  /** Per-account largest file; larger uploads get 403 `file_size_limit_exceeded`. */
  maxFileSize?: number;
  /**
   * Largest `offset` a folder listing accepts; beyond it Box answers 400 and marker paging (`usemarker=true`) must
   * be used. Default 300,000, Box's documented limit; tests lower it rather than make that many items.
   */
  maxListingOffset?: number;
  faults?: FaultPlan;
}

/** Box refuses upload sessions for files below this size. */
export const BOX_MIN_CHUNKED_SIZE = 20_000_000;

/** A running Box double. */
export class BoxDouble {
  readonly folders = new Map<string, BoxFolder>([['0', { id: '0', name: 'All Files', parentId: undefined }]]);
  readonly files = new Map<string, BoxFile>();
  readonly sessions = new Map<string, UploadSession>();
  /** Valid access tokens → expiry (ms since epoch). */
  readonly accessTokens = new Map<string, number>();
  /** Refresh tokens not yet used (each may be used once). */
  readonly refreshTokens = new Set<string>();
  /** Token requests received: their form fields, secrets and assertions left out. */
  readonly tokenRequests: Record<string, string>[] = [];
  /** Grants served, by grant type. */
  readonly grants: Record<string, number> = {};
  /** How many upcoming commits answer 202 "not ready yet" with this Retry-After (seconds). */
  commitsPending = 0;
  commitRetryAfter = 0;
  /**
   * How many upcoming commits answer 400 `parts_mismatch` although every part is there, as Box does
   * for a moment after the last part while its parts list catches up (rclone's Box backend: "Sometimes
   * we get 400 Error with parts_mismatch immediately after uploading the last part").
   */
  commitsMismatched = 0;
  private nextId = 100;
  private loseResponses: RegExp[] = [];
  private expireNext = false;
  private failNext: { code: 'session_expired' | 'upload_failed'; afterParts: number } | undefined;
  /** `parentId/name` (lower-cased) held by another request creating that item. */
  private readonly reserved = new Set<string>();
  private readonly options: Required<Omit<BoxDoubleOptions, 'faults' | 'jwtPublicKey' | 'maxFileSize'>> & Pick<BoxDoubleOptions, 'jwtPublicKey' | 'maxFileSize'>;
  /** Folder listings served, with how they were paged. */
  readonly listings: { folderId: string; paging: 'offset' | 'marker' }[] = [];

  private constructor(readonly server: RunningDouble, options: BoxDoubleOptions) {
    this.options = {
      clientId: options.clientId ?? 'box-client-id',
      clientSecret: options.clientSecret ?? 'box-client-secret',
      enterpriseId: options.enterpriseId ?? '818181',
      accessTokenSeconds: options.accessTokenSeconds ?? 3600,
      partSize: options.partSize ?? 8 * 1024 * 1024,
      jwtPublicKey: options.jwtPublicKey,
      maxFileSize: options.maxFileSize,
      maxListingOffset: options.maxListingOffset ?? 300_000,
    };
  }

  /** Starts the double (HTTPS with the run's certificate by default). */
  static async start(options: BoxDoubleOptions = {}): Promise<BoxDouble> {
    let self: BoxDouble | undefined;
    const server = await startDouble({
      https: true,
      faults: options.faults,
      errorReply: (res, status, retryAfter) => {
        const code = status === 429 ? 'rate_limit_exceeded' : 'unavailable';
        const message = status === 429 ? 'Request rate limit exceeded, please try again later' : 'Unavailable';
        sendJson(res, status, { type: 'error', status, code, message, request_id: randomUUID().slice(0, 12) }, { 'retry-after': String(retryAfter) });
      },
      handler: (req, res) => self!.handle(req, res),
    });
    self = new BoxDouble(server, options);
    return self;
  }

  /** `https://127.0.0.1:PORT`: the API base URL (`/2.0/...`, `/oauth2/token`). */
  get url(): string {
    return this.server.url;
  }

  /** The upload base URL (`/api/2.0/files/content`, upload sessions). */
  get uploadUrl(): string {
    return `${this.server.url}/api`;
  }

  /** Issues an access token directly (as a developer token). */
  issueAccessToken(seconds = this.options.accessTokenSeconds): string {
    const token = `box-at-${randomUUID()}`;
    this.accessTokens.set(token, Date.now() + seconds * 1000);
    return token;
  }

  /** Issues a refresh token usable once (as the desktop sign-in would). */
  issueRefreshToken(): string {
    const token = `box-rt-${randomUUID()}`;
    this.refreshTokens.add(token);
    return token;
  }

  /** Expires every access token (as after 60 minutes). */
  expireAccessTokens(): void {
    for (const t of this.accessTokens.keys()) this.accessTokens.set(t, 0);
  }

  /** The next upload session created is forgotten at once, as an expired one is (its parts and commit get 404). */
  expireNextSession(): void {
    this.expireNext = true;
  }

  /**
   * The next upload session created dies once `afterParts` parts are in: its part uploads, parts
   * list and commit then answer 410 with `code` (`session_expired`, or `upload_failed` when Box gave
   * the session up), as Box documents for chunked upload sessions. Its parts stay unusable; an
   * abort is still accepted.
   */
  failNextSession(code: 'session_expired' | 'upload_failed' = 'session_expired', afterParts = 0): void {
    this.failNext = { code, afterParts };
  }

  /** Processes the next request whose `METHOD path` matches, then drops the connection unanswered (a lost reply). */
  loseNextResponse(match: RegExp): void {
    this.loseResponses.push(match);
  }

  /** Adds a folder under `parentId`. */
  addFolder(parentId: string, name: string, readOnly = false): BoxFolder {
    const folder = { id: this.id(), name, parentId, readOnly };
    this.folders.set(folder.id, folder);
    return folder;
  }

  /** Adds a file under `parentId`, as another client would. */
  addFile(parentId: string, name: string, content: Buffer): BoxFile {
    const file: BoxFile = { id: this.id(), name, parentId, content, sha1: sha1hex(content), contentModifiedAt: undefined, etag: '0' };
    this.files.set(file.id, file);
    return file;
  }

  /** The folder at `path` (`/Projects/A`), by names, case-insensitively. */
  folderAt(path: string): BoxFolder | undefined {
    let folder = this.folders.get('0');
    for (const name of path.split('/').filter(Boolean)) {
      folder = [...this.folders.values()].find((f) => f.parentId === folder!.id && same(f.name, name));
      if (!folder) return undefined;
    }
    return folder;
  }

  /** The path (`/Projects/A`) of the folder with `id`; `''` for the root. */
  pathOf(id: string): string {
    const names: string[] = [];
    for (let f = this.folders.get(id); f && f.parentId !== undefined; f = this.folders.get(f.parentId)) names.unshift(f.name);
    return names.length ? `/${names.join('/')}` : '';
  }

  /** The file at `path` (`/Projects/A/x.eml`), case-insensitively. */
  fileAt(path: string): BoxFile | undefined {
    const i = path.lastIndexOf('/');
    const folder = this.folderAt(path.slice(0, i));
    if (!folder) return undefined;
    return [...this.files.values()].find((f) => f.parentId === folder.id && same(f.name, path.slice(i + 1)));
  }

  /** Names of the files directly in the folder at `path`; `[]` when there is no such folder. */
  list(path: string): string[] {
    const folder = this.folderAt(path);
    return folder ? [...this.files.values()].filter((f) => f.parentId === folder.id).map((f) => f.name) : [];
  }

  /** Deletes the folder at `path` with everything in it. */
  remove(path: string): void {
    const folder = this.folderAt(path);
    if (!folder || folder.id === '0') return;
    const doomed = new Set([folder.id]);
    for (let grew = true; grew;) {
      grew = false;
      for (const f of this.folders.values()) if (f.parentId !== undefined && doomed.has(f.parentId) && !doomed.has(f.id)) (doomed.add(f.id), (grew = true));
    }
    for (const id of doomed) this.folders.delete(id);
    for (const [id, f] of this.files) if (doomed.has(f.parentId)) this.files.delete(id);
  }

  /**
   * Holds `name` in the folder for another request that is creating an item of that name: until
   * {@link releaseName}, preflights, uploads, upload sessions, commits and folder creations of that
   * name get 409 `name_temporarily_reserved` ("The item name is reserved by another processing
   * item. Wait and then retry the request, or wait and check the parent folder to see if the name
   * is in use", Box's common errors).
   */
  reserveName(parentId: string, name: string): void {
    this.reserved.add(reservation(parentId, name));
  }

  /** Ends a {@link reserveName}: the other request has finished. */
  releaseName(parentId: string, name: string): void {
    this.reserved.delete(reservation(parentId, name));
  }

  /** Makes the folder at `path` read-only for the account (as a Viewer collaboration would). */
  denyWrites(path: string): void {
    const folder = this.folderAt(path);
    if (folder) folder.readOnly = true;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private id(): string {
    return String(this.nextId++);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://double.invalid');
    if (url.pathname === '/oauth2/token') return this.token(req, res);
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiry = auth === undefined ? undefined : this.accessTokens.get(auth);
    if (expiry === undefined || expiry <= Date.now()) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."', 'content-length': '0' });
      res.end();
      return;
    }
    const lose = this.loseResponses.findIndex((m) => m.test(`${req.method} ${url.pathname}`));
    if (lose >= 0) this.loseResponses.splice(lose, 1);
    await this.router.dispatch(req, lose >= 0 ? lostReply(res) : res, (r) => this.error(r, 404, 'not_found', 'Not Found'));
  }

  private readonly router = new Router()
    .on('OPTIONS', /^\/2\.0\/files\/content$/, async (req, res) => {
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { name?: string; size?: number; parent?: { id?: string } };
      const parent = this.folders.get(body.parent?.id ?? '');
      if (!parent) return this.error(res, 404, 'not_found', 'Item not found');
      const problem = this.checkUpload(parent, body.name ?? '', body.size ?? 0);
      if (problem) return this.error(res, problem.status, problem.code, problem.message, problem.context);
      sendJson(res, 200, { upload_token: null, upload_url: `${this.uploadUrl}/2.0/files/content` });
    })
    .on('POST', /^\/api\/2\.0\/files\/content$/, async (req, res) => {
      const parts = parseMultipart(req.headers['content-type'] ?? '', await readBody(req));
      const attributes = JSON.parse(parts.get('attributes')?.toString('utf8') ?? '{}') as { name?: string; parent?: { id?: string }; content_modified_at?: string };
      const content = parts.get('file');
      if (!content) return this.error(res, 400, 'bad_request', 'file part missing');
      const parent = this.folders.get(attributes.parent?.id ?? '');
      if (!parent) return this.error(res, 404, 'not_found', 'Item not found');
      const md5 = req.headers['content-md5'];
      if (typeof md5 === 'string' && md5 !== sha1hex(content)) return this.error(res, 400, 'bad_digest', 'The specified Content-MD5 did not match what was received');
      const problem = this.checkUpload(parent, attributes.name ?? '', content.length);
      if (problem) return this.error(res, problem.status, problem.code, problem.message, problem.context);
      const file: BoxFile = { id: this.id(), name: attributes.name!, parentId: parent.id, content, sha1: sha1hex(content), contentModifiedAt: attributes.content_modified_at, etag: '0' };
      this.files.set(file.id, file);
      sendJson(res, 201, { total_count: 1, entries: [this.fileJson(file)] });
    })
    .on('POST', /^\/api\/2\.0\/files\/upload_sessions$/, async (req, res) => {
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { folder_id?: string; file_size?: number; file_name?: string };
      const parent = this.folders.get(body.folder_id ?? '');
      if (!parent) return this.error(res, 404, 'not_found', 'Item not found');
      if ((body.file_size ?? 0) < BOX_MIN_CHUNKED_SIZE) return this.error(res, 400, 'file_size_too_small', 'File size is less than minimum allowed for this API: 20000000');
      const problem = this.checkUpload(parent, body.file_name ?? '', body.file_size ?? 0);
      if (problem) return this.error(res, problem.status, problem.code, problem.message, problem.context);
      const session: UploadSession = { id: randomUUID().replace(/-/g, '').toUpperCase(), folderId: parent.id, fileName: body.file_name!, fileSize: body.file_size!, partSize: this.options.partSize, parts: [] };
      if (this.failNext) {
        session.gone = this.failNext.code;
        session.goneAfterParts = this.failNext.afterParts;
        this.failNext = undefined;
      }
      if (this.expireNext) this.expireNext = false;
      else this.sessions.set(session.id, session);
      sendJson(res, 201, this.sessionJson(session));
    })
    .on('PUT', /^\/api\/2\.0\/files\/upload_sessions\/(?<id>[^/]+)$/, async (req, res, p) => {
      const session = this.sessions.get(p.id!);
      const data = await readBody(req);
      if (!session) return this.error(res, 404, 'not_found', 'Upload session not found');
      if (this.dead(session)) return this.sessionGone(res, session);
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
      if (!range) return this.error(res, 400, 'bad_request', 'Content-Range missing or malformed');
      const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
      const lastPart = end + 1 === session.fileSize;
      if (total !== session.fileSize || end - start + 1 !== data.length || start % session.partSize !== 0 || (!lastPart && data.length !== session.partSize)) {
        return this.error(res, 416, 'range_not_satisfiable', 'The requested range is not satisfiable');
      }
      const digest = /^sha=(.+)$/.exec(String(req.headers.digest ?? ''))?.[1];
      if (digest !== createHash('sha1').update(data).digest('base64')) return this.error(res, 412, 'precondition_failed', 'The digest of the part does not match');
      if (session.parts.some((x) => x.offset < end + 1 && start < x.offset + x.size)) {
        return this.error(res, 416, 'range_overlaps_existing_part', 'Part overlaps with previously uploaded part');
      }
      const part: UploadPart = { part_id: randomUUID().slice(0, 8).toUpperCase(), offset: start, size: data.length, sha1: sha1hex(data), data };
      session.parts.push(part);
      sendJson(res, 200, { part: partJson(part) });
    })
    .on('GET', /^\/api\/2\.0\/files\/upload_sessions\/(?<id>[^/]+)\/parts$/, async (req, res, p) => {
      const session = this.sessions.get(p.id!);
      if (!session) return this.error(res, 404, 'not_found', 'Upload session not found');
      if (this.dead(session)) return this.sessionGone(res, session);
      const entries = [...session.parts].sort((a, b) => a.offset - b.offset).map(partJson);
      sendJson(res, 200, { entries, total_count: entries.length, offset: 0, limit: 1000 });
    })
    .on('POST', /^\/api\/2\.0\/files\/upload_sessions\/(?<id>[^/]+)\/commit$/, async (req, res, p) => {
      const session = this.sessions.get(p.id!);
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { parts?: Array<{ part_id: string; offset: number; size: number; sha1: string }>; attributes?: { content_modified_at?: string } };
      if (!session) return this.error(res, 404, 'not_found', 'Upload session not found');
      if (this.dead(session)) return this.sessionGone(res, session);
      if (this.commitsPending > 0) {
        this.commitsPending--;
        return sendEmpty(res, 202, { 'retry-after': String(this.commitRetryAfter) });
      }
      if (this.commitsMismatched > 0) {
        this.commitsMismatched--;
        return this.error(res, 400, 'parts_mismatch', 'The parts do not match the uploaded parts');
      }
      const sorted = [...session.parts].sort((a, b) => a.offset - b.offset);
      const listed = body.parts ?? [];
      const matches = listed.length === sorted.length && listed.every((x, i) => x.part_id === sorted[i]!.part_id && x.offset === sorted[i]!.offset && x.sha1 === sorted[i]!.sha1);
      const covered = sorted.reduce((at, x) => (x.offset === at ? at + x.size : -1), 0) === session.fileSize;
      if (!matches || !covered) return this.error(res, 400, 'parts_mismatch', 'The parts do not match the uploaded parts');
      const content = Buffer.concat(sorted.map((x) => x.data));
      const digest = /^sha=(.+)$/.exec(String(req.headers.digest ?? ''))?.[1];
      if (digest !== createHash('sha1').update(content).digest('base64')) return this.error(res, 422, 'unprocessable_entity', 'The digest of the file does not match');
      const parent = this.folders.get(session.folderId)!;
      const problem = this.checkUpload(parent, session.fileName, content.length);
      if (problem) return this.error(res, problem.status, problem.code, problem.message, problem.context);
      const file: BoxFile = { id: this.id(), name: session.fileName, parentId: parent.id, content, sha1: sha1hex(content), contentModifiedAt: body.attributes?.content_modified_at, etag: '0' };
      this.files.set(file.id, file);
      this.sessions.delete(session.id);
      sendJson(res, 201, { total_count: 1, entries: [this.fileJson(file)] });
    })
    .on('DELETE', /^\/api\/2\.0\/files\/upload_sessions\/(?<id>[^/]+)$/, async (req, res, p) => {
      req.resume();
      if (!this.sessions.delete(p.id!)) return this.error(res, 404, 'not_found', 'Upload session not found');
      sendEmpty(res, 204);
    })
    .on('POST', /^\/2\.0\/folders$/, async (req, res) => {
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { name?: string; parent?: { id?: string } };
      const parent = this.folders.get(body.parent?.id ?? '');
      if (!parent) return this.error(res, 404, 'not_found', 'Item not found');
      const name = body.name ?? '';
      if (badName(name)) return this.error(res, 400, 'item_name_invalid', 'Item name invalid');
      // Box does not document whether the parent's permission or the name is checked first; the
      // double checks the permission first (403 even for a name that exists), the order a client
      // must cope with.
      if (parent.readOnly) return this.error(res, 403, 'access_denied_insufficient_permissions', 'Access denied - insufficient permission');
      if (this.reserved.has(reservation(parent.id, name))) return this.error(res, 409, 'name_temporarily_reserved', RESERVED_MESSAGE);
      const clash = this.itemNamed(parent.id, name);
      if (clash) return this.error(res, 409, 'item_name_in_use', 'Item with the same name already exists', { conflicts: [clash.type === 'folder' ? this.folderMini(clash.item as BoxFolder) : this.fileJson(clash.item as BoxFile)] });
      const folder = this.addFolder(parent.id, name);
      sendJson(res, 201, this.folderJson(folder));
    })
    .on('GET', /^\/2\.0\/folders\/(?<id>[^/]+)$/, (req, res, p) => {
      const folder = this.folders.get(p.id!);
      if (!folder) return this.error(res, 404, 'not_found', 'Item not found');
      sendJson(res, 200, this.folderJson(folder));
    })
    .on('GET', /^\/2\.0\/folders\/(?<id>[^/]+)\/items$/, (req, res, p, url) => {
      const folder = this.folders.get(p.id!);
      if (!folder) return this.error(res, 404, 'not_found', 'Item not found');
      const items = [
        ...[...this.folders.values()].filter((f) => f.parentId === folder.id).map((f) => this.folderMini(f)),
        ...[...this.files.values()].filter((f) => f.parentId === folder.id).map((f) => this.fileJson(f)),
      ];
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), 1000);
      if (url.searchParams.get('usemarker') === 'true') {
        // The marker is opaque to clients; here it is the position of the next item.
        this.listings.push({ folderId: folder.id, paging: 'marker' });
        const marker = url.searchParams.get('marker');
        const start = marker ? Number(Buffer.from(marker, 'base64url').toString('utf8')) : 0;
        if (!Number.isInteger(start) || start < 0) return this.error(res, 400, 'bad_request', 'Bad Request', { errors: [{ reason: 'invalid_parameter', name: 'marker', message: `Invalid value '${marker}'.` }] });
        const next = start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64url') : null;
        return sendJson(res, 200, { limit, next_marker: next, entries: items.slice(start, start + limit), order: [] });
      }
      this.listings.push({ folderId: folder.id, paging: 'offset' });
      const offset = Number(url.searchParams.get('offset') ?? 0);
      if (offset > this.options.maxListingOffset) {
        return this.error(res, 400, 'bad_request', 'Bad Request', {
          errors: [{ reason: 'invalid_parameter', name: 'offset', message: `Invalid value '${offset}'. The offset must not exceed the maximum offset of ${this.options.maxListingOffset}` }],
        });
      }
      sendJson(res, 200, { total_count: items.length, offset, limit, entries: items.slice(offset, offset + limit), order: [] });
    })
    .on('GET', /^\/2\.0\/files\/(?<id>[^/]+)$/, (req, res, p) => {
      const file = this.files.get(p.id!);
      if (!file) return this.error(res, 404, 'not_found', 'Item not found');
      sendJson(res, 200, this.fileJson(file));
    });

  /** Whether a session marked by {@link failNextSession} has reached the point where it dies. */
  private dead(session: UploadSession): boolean {
    return session.gone !== undefined && session.parts.length >= (session.goneAfterParts ?? 0);
  }

  private sessionGone(res: ServerResponse, session: UploadSession): void {
    const message = session.gone === 'upload_failed' ? 'The upload session has failed; start a new upload session' : 'The upload session has expired';
    this.error(res, 410, session.gone!, message);
  }

  private checkUpload(parent: BoxFolder, name: string, size: number): { status: number; code: string; message: string; context?: Record<string, unknown> } | undefined {
    if (badName(name)) return { status: 400, code: 'item_name_invalid', message: 'Item name invalid' };
    if (parent.readOnly) return { status: 403, code: 'access_denied_insufficient_permissions', message: 'Access denied - insufficient permission' };
    if (this.options.maxFileSize !== undefined && size > this.options.maxFileSize) return { status: 403, code: 'file_size_limit_exceeded', message: 'File size exceeds the folder owner\'s file size limit' };
    if (this.reserved.has(reservation(parent.id, name))) return { status: 409, code: 'name_temporarily_reserved', message: RESERVED_MESSAGE };
    const clash = this.itemNamed(parent.id, name);
    if (clash?.type === 'file') return { status: 409, code: 'item_name_in_use', message: 'Item with the same name already exists', context: { conflicts: this.fileJson(clash.item as BoxFile) } };
    if (clash) return { status: 409, code: 'item_name_in_use', message: 'Item with the same name already exists', context: { conflicts: this.folderMini(clash.item as BoxFolder) } };
    return undefined;
  }

  private itemNamed(parentId: string, name: string): { type: 'file' | 'folder'; item: BoxFile | BoxFolder } | undefined {
    const folder = [...this.folders.values()].find((f) => f.parentId === parentId && same(f.name, name));
    if (folder) return { type: 'folder', item: folder };
    const file = [...this.files.values()].find((f) => f.parentId === parentId && same(f.name, name));
    return file ? { type: 'file', item: file } : undefined;
  }

  private token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return readBody(req).then((body) => {
      const p = new URLSearchParams(body.toString('utf8'));
      const grant = p.get('grant_type') ?? '';
      this.tokenRequests.push(Object.fromEntries([...p].filter(([k]) => !['client_secret', 'refresh_token', 'assertion'].includes(k))));
      const invalid = (error: string, description: string): void => sendJson(res, 400, { error, error_description: description });
      if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        if (!this.verifyJwt(p.get('assertion') ?? '', p.get('client_id'))) return invalid('invalid_grant', 'Signature verification error');
      } else {
        if (p.get('client_id') !== this.options.clientId || p.get('client_secret') !== this.options.clientSecret) return invalid('invalid_client', 'The client credentials are invalid');
        if (grant === 'client_credentials') {
          if (p.get('box_subject_type') === 'enterprise' && p.get('box_subject_id') !== this.options.enterpriseId) return invalid('invalid_grant', 'Grant credentials are invalid');
        } else if (grant === 'refresh_token') {
          const rt = p.get('refresh_token') ?? '';
          // Refresh tokens are single-use: the one presented is spent whatever happens next.
          if (!this.refreshTokens.delete(rt)) return invalid('invalid_grant', 'Refresh token has expired');
        } else {
          return invalid('unsupported_grant_type', 'Grant type is not supported');
        }
      }
      this.grants[grant] = (this.grants[grant] ?? 0) + 1;
      sendJson(res, 200, {
        access_token: this.issueAccessToken(),
        expires_in: this.options.accessTokenSeconds,
        token_type: 'bearer',
        restricted_to: [],
        ...(grant === 'refresh_token' ? { refresh_token: this.issueRefreshToken() } : {}),
      });
    });
  }

  private verifyJwt(assertion: string, clientId: string | null): boolean {
    if (!this.options.jwtPublicKey || clientId !== this.options.clientId) return false;
    const [h, c, s] = assertion.split('.');
    if (!h || !c || !s) return false;
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as { iss?: string; aud?: string; exp?: number; box_sub_type?: string; sub?: string };
    if (header.alg !== 'RS256' || claims.iss !== clientId || claims.aud !== 'https://api.box.com/oauth2/token') return false;
    if (!claims.exp || claims.exp * 1000 < Date.now()) return false;
    return verify('sha256', Buffer.from(`${h}.${c}`), createPublicKey(this.options.jwtPublicKey), Buffer.from(s, 'base64url'));
  }

  private sessionJson(s: UploadSession): Record<string, unknown> {
    const base = `${this.uploadUrl}/2.0/files/upload_sessions/${s.id}`;
    return {
      id: s.id, type: 'upload_session', session_expires_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      part_size: s.partSize, total_parts: Math.ceil(s.fileSize / s.partSize), num_parts_processed: s.parts.length,
      session_endpoints: { upload_part: base, commit: `${base}/commit`, abort: base, list_parts: `${base}/parts`, status: base, log_event: `${base}/log` },
    };
  }

  private fileJson(f: BoxFile): Record<string, unknown> {
    return {
      type: 'file', id: f.id, etag: f.etag, sequence_id: '0', name: f.name, sha1: f.sha1, size: f.content.length,
      file_version: { type: 'file_version', id: `v${f.id}`, sha1: f.sha1 },
      content_modified_at: f.contentModifiedAt ?? new Date().toISOString(), modified_at: new Date().toISOString(),
      parent: this.folderMini(this.folders.get(f.parentId)!),
    };
  }

  private folderMini(f: BoxFolder): Record<string, unknown> {
    return { type: 'folder', id: f.id, etag: '0', sequence_id: '0', name: f.name };
  }

  private folderJson(f: BoxFolder): Record<string, unknown> {
    return {
      ...this.folderMini(f),
      parent: f.parentId === undefined ? null : this.folderMini(this.folders.get(f.parentId)!),
      permissions: { can_upload: !f.readOnly, can_rename: !f.readOnly, can_delete: !f.readOnly, can_download: true, can_share: true, can_set_share_access: false, can_invite_collaborator: false, can_comment: true, can_annotate: false, can_preview: true, can_view_annotations_all: false, can_view_annotations_self: false },
    };
  }

  private error(res: ServerResponse, status: number, code: string, message: string, contextInfo?: Record<string, unknown>): void {
    sendJson(res, status, {
      type: 'error', status, code, message,
      ...(contextInfo ? { context_info: contextInfo } : {}),
      help_url: 'http://developers.box.com/docs/#errors', request_id: randomUUID().slice(0, 12),
    });
  }
}

const RESERVED_MESSAGE = 'The item name is reserved by another processing item. Wait and then retry the request, or wait and check the parent folder to see if the name is in use.';

function reservation(parentId: string, name: string): string {
  return `${parentId}/${name.normalize('NFC').toLowerCase()}`;
}

function same(a: string, b: string): boolean {
  return a.normalize('NFC').toLowerCase() === b.normalize('NFC').toLowerCase();
}

/** Box's name rules: 1–255 characters, no `/` or `\`, no non-printable ASCII, no trailing space, not `.` or `..`. */
function badName(name: string): boolean {
  return name.length === 0 || name.length > 255 || /[/\\\u0000-\u001f]/.test(name) || name.endsWith(' ') || name === '.' || name === '..';
}

function sha1hex(b: Buffer): string {
  return createHash('sha1').update(b).digest('hex');
}

function partJson(p: UploadPart): Record<string, unknown> {
  return { part_id: p.part_id, offset: p.offset, size: p.size, sha1: p.sha1 };
}

/** Splits a `multipart/form-data` body into its named parts. */
function parseMultipart(contentType: string, body: Buffer): Map<string, Buffer> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const parts = new Map<string, Buffer>();
  if (!boundary) return parts;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // after CRLF, before CRLF
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    if (name) parts.set(name, part.subarray(headerEnd + 4));
    at = next;
  }
  return parts;
}
