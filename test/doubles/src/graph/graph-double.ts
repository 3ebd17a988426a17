import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { quickXorHash } from '@filing-sync/core';
import type { FaultPlan } from '../kit/faults.js';
import { readBody, readJson, sendEmpty, sendJson } from '../kit/http.js';
import { startDouble, type RunningDouble } from '../kit/server.js';
import { DriveStore, type StoredItem } from './drive-store.js';
import { sendGraphError } from './graph-errors.js';
import { IdentityDouble, sendIdentityError } from './identity.js';

/** Upload fragments must be multiples of this size, except the last (Graph's rule). */
export const GRAPH_FRAGMENT_UNIT = 320 * 1024;

/** A SharePoint site in the double. */
export interface SiteRecord {
  id: string;
  hostname: string;
  /** Server-relative path, e.g. `/sites/Projects`. */
  path: string;
  displayName: string;
  /** Its document libraries. */
  drives: DriveStore[];
}

/**
 * An error the test asked for, answered to the next matching request: in Graph's error form, or
 * on the identity platform's routes (`/{tenant}/oauth2/v2.0/token` …) in its OAuth 2.0 form with
 * `code` as `error` and `message` as `error_description`.
 */
export interface ScriptedGraphError {
  /** Matched against `METHOD url` (url with query). */
  match: RegExp;
  status: number;
  code: string;
  message?: string;
  innerCode?: string;
  headers?: Record<string, string>;
  /** Carry the request out first, then answer the error: the reply is lost, the effect is not. */
  afterEffect?: boolean;
  /** Answer no body at all (as upload-session hosts do for some statuses). */
  noBody?: boolean;
}

/** An open upload session. */
interface UploadSession {
  id: string;
  drive: DriveStore;
  parentId: string;
  name: string;
  conflictBehavior: string;
  modifiedAt: string | undefined;
  parts: Buffer[];
  received: number;
  total: number | undefined;
  expires: Date;
}

/** Options of {@link startGraphDouble}. */
export interface GraphDoubleOptions {
  /** Random faults (429/503/reset/timeout); spared: token endpoint unless `faultsOnIdentity`. */
  faults?: FaultPlan;
  /** Added to every answer, in ms (benchmarks of a far-away Graph). */
  latencyMs?: number;
  /**
   * Length at which an item's path is refused with `pathIsTooLong`, counted as SharePoint counts
   * it: the decoded server-relative path, i.e. the path of the drive's `webUrl`
   * (`/personal/<user>/Documents`, `/sites/<site>/Shared Documents`) followed by the item's path
   * from the drive root. Default 400 ("can't contain more than 400 characters", so 399 is kept).
   */
  maxPathLength?: number;
}

/** How the double answers a request that fails at the HTTP level. */
interface Reply {
  status: number;
  code: string;
  message: string;
  innerCode?: string;
  headers?: Record<string, string>;
}

/**
 * A Microsoft Graph double for the OneDrive and SharePoint calls filing-sync makes, plus the
 * identity platform's client-credentials endpoints that MSAL uses. HTTPS on 127.0.0.1 (the SDK
 * sends tokens only to https custom hosts). Follows the public API documentation: drive items by
 * id and by path, `PUT …/content` with `@microsoft.graph.conflictBehavior`, upload sessions with
 * `Content-Range` fragments in multiples of 320 KiB and `nextExpectedRanges`, folder creation
 * with `409 nameAlreadyExists`, site and library lookup, `{"error":{"code","message"}}` bodies,
 * 401 `InvalidAuthenticationToken` for expired tokens, 403, 507, `pathIsTooLong` (on the decoded
 * server-relative path, as SharePoint counts it), drives with the `webUrl` Graph reports, and
 * 429/503 with `Retry-After` through the kit's fault injection (on the identity platform's routes
 * in its OAuth 2.0 error form).
 */
export class GraphDouble {
  readonly identity: IdentityDouble;
  readonly drives = new Map<string, DriveStore>();
  readonly sites: SiteRecord[] = [];
  /** The signed-in user's drive (`/me/drive`), reachable with delegated tokens only. */
  readonly myDrive: DriveStore;
  /** Upload sessions cancelled with `DELETE uploadUrl`. */
  readonly cancelledSessions: string[] = [];
  /** Upload sessions created, completed or not. */
  sessionsCreated = 0;
  private readonly sessions = new Map<string, UploadSession>();
  private readonly scripted: ScriptedGraphError[] = [];
  private readonly denied: Array<{ drive: DriveStore; path: string }> = [];
  private readonly quotas = new Map<DriveStore, number>();
  private server!: RunningDouble;
  private readonly maxPathLength: number;

  private constructor(options: GraphDoubleOptions) {
    this.identity = new IdentityDouble(() => this.url);
    this.maxPathLength = options.maxPathLength ?? 400;
    this.myDrive = this.addDrive('me-drive', 'OneDrive', 'business');
  }

  /** Starts the double on a free port. */
  static async start(options: GraphDoubleOptions = {}): Promise<GraphDouble> {
    const double = new GraphDouble(options);
    double.server = await startDouble({
      https: true,
      faults: options.faults,
      ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
      errorReply: (res, status, retryAfter) => {
        const headers = { 'retry-after': String(retryAfter) };
        // The identity platform answers in its own (OAuth 2.0) error form, Graph in its own.
        if (isIdentityRequest(res.req?.url)) {
          const description = status === 429 ? 'Too many requests; retry after the time in Retry-After.' : 'The service is temporarily unavailable.';
          return sendIdentityError(res, status, 'temporarily_unavailable', description, headers);
        }
        sendGraphError(
          res,
          status,
          status === 429 ? 'activityLimitReached' : 'serviceNotAvailable',
          status === 429 ? 'The request has been throttled' : 'Service unavailable',
          { headers },
        );
      },
      handler: (req, res) => double.handle(req, res),
    });
    return double;
  }

  /** `https://127.0.0.1:PORT` (no trailing slash). */
  get url(): string {
    return this.server.url;
  }
  /**
   * Where upload URLs point: the same server by the name `localhost`, a host other than Graph's
   * (as SharePoint's upload hosts are), so the SDK sends no token there, as the documentation asks.
   */
  get uploadBase(): string {
    return `https://localhost:${this.server.port}`;
  }
  /** The kit's server: request log and fault injector. */
  get http(): RunningDouble {
    return this.server;
  }

  /**
   * Adds a drive reachable as `/drives/{id}`. Its `webUrl` is, unless given, the form Graph
   * reports: a OneDrive for Business drive lives in its owner's personal site,
   * `https://contoso-my.sharepoint.com/personal/<user principal name with @ and . as _>/Documents`
   * (the owner here is `<name>@contoso.onmicrosoft.com`); a library made without a site lives at
   * `https://contoso.sharepoint.com/sites/<name>/Shared%20Documents`; a personal (consumer) drive
   * at `https://onedrive.live.com/?cid=<id>`.
   */
  addDrive(id: string, name: string, driveType: 'personal' | 'business' | 'documentLibrary' = 'business', webUrl?: string): DriveStore {
    const drive = new DriveStore(id, name, driveType, webUrl ?? defaultDriveWebUrl(id, name, driveType));
    this.drives.set(id, drive);
    return drive;
  }

  /**
   * Adds a SharePoint site with document libraries. Each library is `[displayName, urlName]`:
   * the default library is shown as `Documents` and lives at `Shared Documents`.
   */
  addSite(hostname: string, path: string, libraries: Array<[name: string, urlName: string]> = [['Documents', 'Shared Documents']]): SiteRecord {
    const id = `${hostname},${randomUUID()},${randomUUID()}`;
    const webUrl = `https://${hostname}${path}`;
    const drives = libraries.map(([name, urlName]) =>
      this.addDrive(`b!${randomUUID().replace(/-/g, '')}`, name, 'documentLibrary', `${webUrl}/${encodeURIComponent(urlName)}`),
    );
    const site: SiteRecord = { id, hostname, path, displayName: path.split('/').pop() ?? hostname, drives };
    this.sites.push(site);
    return site;
  }

  /** Refuses writes (403 accessDenied) in `path` of `drive` and below. */
  denyWrites(drive: DriveStore, path: string): void {
    this.denied.push({ drive, path: trimSlashes(path).toLowerCase() });
  }

  /** Limits the bytes `drive` can hold; beyond it uploads fail with 507. */
  setQuota(drive: DriveStore, bytes: number): void {
    this.quotas.set(drive, bytes);
  }

  /** Answers the next request matching `error.match` with that error. */
  scriptError(error: ScriptedGraphError): void {
    this.scripted.push(error);
  }

  /** The file at `path` in `drive`, or undefined. */
  file(drive: DriveStore, path: string): StoredItem | undefined {
    const item = drive.walk(drive.rootId, trimSlashes(path).split('/').filter(Boolean));
    return item && !item.folder ? item : undefined;
  }

  /**
   * Stores a file at `path` in `drive` as another client would (creating folders on the way,
   * replacing a file of that name), bypassing the API and its faults.
   */
  putFile(drive: DriveStore, path: string, content: Buffer): StoredItem {
    const segments = trimSlashes(path).split('/').filter(Boolean);
    const name = segments.pop();
    if (!name) throw new Error('putFile needs a file name');
    let parent = drive.items.get(drive.rootId)!;
    for (const segment of segments) parent = drive.child(parent.id, segment) ?? drive.add(parent.id, segment, true);
    const existing = drive.child(parent.id, name);
    if (existing) drive.remove(existing.id);
    return drive.add(parent.id, name, false, content);
  }

  /** Names in the folder at `path`, or undefined when there is no such folder. */
  list(drive: DriveStore, path: string): string[] | undefined {
    const item = drive.walk(drive.rootId, trimSlashes(path).split('/').filter(Boolean));
    return item?.folder ? drive.children(item.id).map((c) => c.name).sort() : undefined;
  }

  /** Upload sessions still open. */
  get openSessions(): number {
    return this.sessions.size;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const line = `${req.method} ${req.url}`;
    const i = this.scripted.findIndex((s) => s.match.test(line));
    if (i >= 0) {
      const s = this.scripted.splice(i, 1)[0]!;
      if (s.afterEffect) await this.discardingReply(res, () => this.route(req, res));
      else req.resume();
      if (s.noBody) sendEmpty(res, s.status, s.headers);
      else if (isIdentityRequest(req.url)) sendIdentityError(res, s.status, s.code, s.message ?? s.code, s.headers);
      else sendGraphError(res, s.status, s.code, s.message ?? s.code, { innerCode: s.innerCode, headers: s.headers });
      return;
    }
    await this.route(req, res);
  }

  /** Runs `fn` with `res` writes swallowed, so a scripted error can replace the real reply. */
  private async discardingReply(res: ServerResponse, fn: () => Promise<void>): Promise<void> {
    const { writeHead, end } = res;
    res.writeHead = (() => res) as typeof res.writeHead;
    res.end = (() => res) as typeof res.end;
    try {
      await fn();
    } finally {
      res.writeHead = writeHead;
      res.end = end;
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if ((m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path)) && req.method === 'GET') {
      return this.identity.openIdConfiguration(res, decodeURIComponent(m[1]!));
    }
    if ((m = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/.exec(path)) && req.method === 'GET') {
      return this.identity.userSignIn.authorize(url.searchParams, res, decodeURIComponent(m[1]!));
    }
    if ((m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path)) && req.method === 'POST') {
      return this.identity.token(req, res, decodeURIComponent(m[1]!));
    }
    if ((m = /^\/upload\/([^/]+)$/.exec(path))) return this.uploadUrl(req, res, decodeURIComponent(m[1]!));
    if (!path.startsWith('/v1.0/')) return sendGraphError(res, 404, 'itemNotFound', 'The resource could not be found.');

    const auth = this.identity.check(req.headers.authorization);
    if (auth === 'invalid' || auth === 'expired') {
      req.resume();
      return sendGraphError(
        res,
        401,
        'InvalidAuthenticationToken',
        auth === 'expired' ? 'Lifetime validation failed, the token is expired.' : 'Access token validation failure. Invalid audience.',
        { headers: { 'www-authenticate': `Bearer realm="", authorization_uri="${this.url}/common/oauth2/authorize", error="invalid_token"` } },
      );
    }
    const rest = path.slice('/v1.0'.length);

    // Sites and their libraries.
    if ((m = /^\/sites\/([^/:]+):(\/[^:]*)$/.exec(rest)) && req.method === 'GET') {
      const host = decodeURIComponent(m[1]!).toLowerCase();
      const sitePath = decodeURIComponent(m[2]!).replace(/\/+$/, '').toLowerCase();
      const site = this.sites.find((s) => s.hostname.toLowerCase() === host && s.path.toLowerCase() === sitePath);
      return site ? sendJson(res, 200, this.siteJson(site)) : sendGraphError(res, 404, 'itemNotFound', 'Requested site could not be found');
    }
    if ((m = /^\/sites\/([^/:]+)\/drives$/.exec(rest)) && req.method === 'GET') {
      const site = this.sites.find((s) => s.id === decodeURIComponent(m![1]!));
      if (!site) return sendGraphError(res, 404, 'itemNotFound', 'Requested site could not be found');
      return sendJson(res, 200, { value: site.drives.map((d) => this.driveJson(d)) });
    }

    // Drives.
    let drive: DriveStore | undefined;
    let itemRef: string;
    if ((m = /^\/drives\/([^/]+)(.*)$/.exec(rest))) {
      drive = this.drives.get(decodeURIComponent(m[1]!));
      itemRef = m[2]!;
    } else if ((m = /^\/me\/drive(.*)$/.exec(rest))) {
      if (auth !== 'delegated') return sendGraphError(res, 400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
      drive = this.myDrive;
      itemRef = m[1]!;
    } else if ((m = /^\/sites\/([^/:]+)\/drive(.*)$/.exec(rest))) {
      drive = this.sites.find((s) => s.id === decodeURIComponent(m![1]!))?.drives[0];
      itemRef = m[2]!;
    } else {
      return sendGraphError(res, 400, 'invalidRequest', `Unsupported request ${req.method} ${rest}`);
    }
    if (!drive) return sendGraphError(res, 404, 'itemNotFound', 'The drive could not be found.');
    if (itemRef === '' && req.method === 'GET') return sendJson(res, 200, this.driveJson(drive));
    const ref = parseItemRef(itemRef);
    if (!ref) return sendGraphError(res, 400, 'invalidRequest', `Invalid item reference ${itemRef}`);
    return this.driveItem(req, res, drive, ref, url);
  }

  private async driveItem(req: IncomingMessage, res: ServerResponse, drive: DriveStore, ref: ItemRef, url: URL): Promise<void> {
    const base = ref.base === 'root' ? drive.items.get(drive.rootId) : drive.items.get(ref.base);
    const notFound = (): void => sendGraphError(res, 404, 'itemNotFound', 'The resource could not be found.');
    if (!base) return notFound();
    const method = req.method ?? '';

    if (ref.action === undefined && method === 'GET') {
      const item = drive.walk(base.id, ref.path);
      return item ? sendJson(res, 200, this.itemJson(drive, item)) : notFound();
    }
    if (ref.action === undefined && method === 'PATCH') {
      const item = drive.walk(base.id, ref.path);
      if (!item) return notFound();
      if (this.isDenied(drive, item)) return this.accessDenied(res);
      const body = (await readJson<{ fileSystemInfo?: { lastModifiedDateTime?: string } }>(req)) ?? {};
      if (body.fileSystemInfo?.lastModifiedDateTime) item.fileSystemInfo.lastModifiedDateTime = body.fileSystemInfo.lastModifiedDateTime;
      item.lastModifiedDateTime = new Date().toISOString();
      return sendJson(res, 200, this.itemJson(drive, item));
    }
    if (ref.action === 'children' && method === 'GET') {
      const folder = drive.walk(base.id, ref.path);
      if (!folder?.folder) return notFound();
      return sendJson(res, 200, { value: drive.children(folder.id).map((c) => this.itemJson(drive, c)) });
    }
    if (ref.action === 'children' && method === 'POST') {
      const parent = drive.walk(base.id, ref.path);
      const body = (await readJson<Record<string, unknown>>(req)) ?? {};
      if (!parent?.folder) return notFound();
      const name = typeof body['name'] === 'string' ? body['name'] : '';
      if (!body['folder']) return sendGraphError(res, 400, 'invalidRequest', 'Only folders can be created here.');
      const bad = this.checkName(drive, parent, name);
      if (bad) return sendGraphError(res, bad.status, bad.code, bad.message, { innerCode: bad.innerCode });
      if (this.isDenied(drive, parent, name)) return this.accessDenied(res);
      const existing = drive.child(parent.id, name);
      const behavior = String(body['@microsoft.graph.conflictBehavior'] ?? 'fail');
      if (existing) {
        if (behavior === 'fail') return sendGraphError(res, 409, 'nameAlreadyExists', 'The specified item name already exists.');
        if (behavior === 'replace') drive.items.delete(existing.id);
      }
      const created = drive.add(parent.id, existing && behavior === 'rename' ? `${name} 1` : name, true);
      return sendJson(res, 201, this.itemJson(drive, created));
    }
    if (ref.action === 'content' && method === 'PUT') {
      if (ref.path.length === 0) return sendGraphError(res, 400, 'invalidRequest', 'A file name is required.');
      const parent = drive.walk(base.id, ref.path.slice(0, -1));
      const name = ref.path[ref.path.length - 1]!;
      const body = await readBody(req);
      if (!parent?.folder) return notFound();
      const behavior = url.searchParams.get('@microsoft.graph.conflictBehavior') ?? 'replace';
      const reply = this.store(drive, parent, name, body, behavior, undefined);
      if ('status' in reply) return sendGraphError(res, reply.status, reply.code, reply.message, { innerCode: reply.innerCode });
      return sendJson(res, 201, this.itemJson(drive, reply));
    }
    if (ref.action === 'createUploadSession' && method === 'POST') {
      if (ref.path.length === 0) return sendGraphError(res, 400, 'invalidRequest', 'A file name is required.');
      const parent = drive.walk(base.id, ref.path.slice(0, -1));
      const name = ref.path[ref.path.length - 1]!;
      const body = (await readJson<{ item?: Record<string, unknown> }>(req)) ?? {};
      if (!parent?.folder) return notFound();
      const item = body.item ?? {};
      const behavior = String(item['@microsoft.graph.conflictBehavior'] ?? 'replace');
      const bad = this.checkName(drive, parent, name);
      if (bad) return sendGraphError(res, bad.status, bad.code, bad.message, { innerCode: bad.innerCode });
      if (this.isDenied(drive, parent, name)) return this.accessDenied(res);
      if (behavior === 'fail' && drive.child(parent.id, name)) {
        return sendGraphError(res, 409, 'nameAlreadyExists', 'The specified item name already exists.');
      }
      const fsInfo = item['fileSystemInfo'] as { lastModifiedDateTime?: string } | undefined;
      const session: UploadSession = {
        id: randomUUID(),
        drive,
        parentId: parent.id,
        name,
        conflictBehavior: behavior,
        modifiedAt: fsInfo?.lastModifiedDateTime,
        parts: [],
        received: 0,
        total: undefined,
        expires: new Date(Date.now() + 3_600_000),
      };
      this.sessions.set(session.id, session);
      this.sessionsCreated++;
      return sendJson(res, 200, {
        uploadUrl: `${this.uploadBase}/upload/${session.id}?tempauth=${randomUUID()}`,
        expirationDateTime: session.expires.toISOString(),
        nextExpectedRanges: ['0-'],
      });
    }
    return sendGraphError(res, 400, 'invalidRequest', `Unsupported request ${method} ${ref.action ?? ''}`);
  }

  /** `PUT`/`GET`/`DELETE` on an upload URL (pre-authenticated: no token needed). */
  private async uploadUrl(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    // "Don't include the Authorization header": the URL itself authorises the upload.
    if (req.headers.authorization !== undefined) {
      req.resume();
      return sendGraphError(res, 401, 'unauthenticated', 'Upload URLs are pre-authenticated; the request must not carry an Authorization header.');
    }
    const session = this.sessions.get(id);
    const gone = (): void => sendGraphError(res, 404, 'itemNotFound', 'The upload session was not found.');
    if (req.method === 'DELETE') {
      req.resume();
      if (!session) return gone();
      this.sessions.delete(id);
      this.cancelledSessions.push(id);
      return sendEmpty(res, 204);
    }
    if (req.method === 'GET') {
      if (!session) return gone();
      return sendJson(res, 200, this.sessionStatus(session));
    }
    if (req.method !== 'PUT') return sendGraphError(res, 405, 'invalidRequest', 'Method not allowed.');
    const body = await readBody(req, 64 * 1024 * 1024);
    if (!session) return gone();
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    if (!range) return sendGraphError(res, 400, 'invalidRequest', 'Content-Range header is missing or invalid.');
    const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    const length = end - start + 1;
    if (length !== body.length) return sendGraphError(res, 400, 'invalidRequest', 'Content-Range does not match the body length.');
    if (session.total !== undefined && total !== session.total) return sendGraphError(res, 400, 'invalidRequest', 'The declared total size changed.');
    if (start !== session.received) {
      return sendGraphError(res, 416, 'invalidRange', start < session.received
        ? 'The uploaded fragment overlaps with data that has already been received.'
        : 'The uploaded fragment does not start at the next expected byte.');
    }
    const last = end === total - 1;
    if (!last && length % GRAPH_FRAGMENT_UNIT !== 0) {
      return sendGraphError(res, 400, 'invalidRequest', 'The fragment size must be a multiple of 320 KiB.');
    }
    if (length > 60 * 1024 * 1024) return sendGraphError(res, 413, 'requestTooLarge', 'The request message is too big.');
    session.total = total;
    session.parts.push(body);
    session.received = end + 1;
    if (!last) return sendJson(res, 202, this.sessionStatus(session));
    // Graph keeps a session whose commit failed (a name taken meanwhile, the quota) until it expires or is
    // cancelled, so that the client may still commit it: only a stored file ends it here.
    const parent = session.drive.items.get(session.parentId);
    if (!parent) return gone();
    const reply = this.store(session.drive, parent, session.name, Buffer.concat(session.parts), session.conflictBehavior, session.modifiedAt);
    if ('status' in reply) return sendGraphError(res, reply.status, reply.code, reply.message, { innerCode: reply.innerCode });
    this.sessions.delete(id);
    return sendJson(res, 201, this.itemJson(session.drive, reply));
  }

  /** Stores a file, applying name rules, permissions, conflict behaviour and quota. */
  private store(drive: DriveStore, parent: StoredItem, name: string, content: Buffer, behavior: string, modifiedAt: string | undefined): StoredItem | Reply {
    const bad = this.checkName(drive, parent, name);
    if (bad) return bad;
    if (this.isDenied(drive, parent, name)) return { status: 403, code: 'accessDenied', message: 'Access denied. You do not have permission to perform this action or access this resource.' };
    const existing = drive.child(parent.id, name);
    if (existing) {
      if (existing.folder || behavior === 'fail') return { status: 409, code: 'nameAlreadyExists', message: 'The specified item name already exists.' };
      if (behavior === 'replace') drive.items.delete(existing.id);
    }
    const quota = this.quotas.get(drive);
    if (quota !== undefined && drive.usedBytes() + content.length > quota) {
      return { status: 507, code: 'quotaLimitReached', message: 'Insufficient Space Available' };
    }
    const finalName = existing && behavior === 'rename' ? `${name.replace(/(\.[^.]*)?$/, ' 1$1')}` : name;
    return drive.add(parent.id, finalName, false, content, modifiedAt);
  }

  /** Graph's refusals for names and path length. */
  private checkName(drive: DriveStore, parent: StoredItem, name: string): Reply | undefined {
    const invalid = (): Reply => ({ status: 400, code: 'invalidRequest', message: 'One of the provided arguments is not acceptable.' });
    if (name === '' || /["*:<>?/\\|\u0000-\u001f]/.test(name) || name !== name.trim() || name.endsWith('.')) return invalid();
    if (/^(con|prn|aux|nul|com[0-9]|lpt[0-9]|\.lock|desktop\.ini)$/i.test(name)) return invalid();
    // "_vti_ can't appear anywhere in a file name"; "~$" only at the start.
    if (name.startsWith('~$') || /_vti_/i.test(name)) return invalid();
    const parentPath = drive.pathOf(parent);
    // SharePoint counts the decoded path from the host on: the drive's own path, then the item's.
    const full = `${serverRelativePath(drive)}/${parentPath ? `${parentPath}/` : ''}${name}`;
    if (full.length >= this.maxPathLength) {
      return { status: 400, code: 'invalidRequest', message: 'The path is too long.', innerCode: 'pathIsTooLong' };
    }
    return undefined;
  }

  private isDenied(drive: DriveStore, parent: StoredItem, name?: string): boolean {
    const path = (name === undefined ? drive.pathOf(parent) : [drive.pathOf(parent), name].filter(Boolean).join('/')).toLowerCase();
    return this.denied.some((d) => d.drive === drive && (d.path === '' || path === d.path || path.startsWith(`${d.path}/`)));
  }

  private accessDenied(res: ServerResponse): void {
    sendGraphError(res, 403, 'accessDenied', 'Access denied. You do not have permission to perform this action or access this resource.');
  }

  private sessionStatus(session: UploadSession): Record<string, unknown> {
    return { expirationDateTime: session.expires.toISOString(), nextExpectedRanges: [`${session.received}-`] };
  }

  private siteJson(site: SiteRecord): Record<string, unknown> {
    return { id: site.id, name: site.displayName, displayName: site.displayName, webUrl: `https://${site.hostname}${site.path}` };
  }

  private driveJson(drive: DriveStore): Record<string, unknown> {
    const used = drive.usedBytes();
    const total = this.quotas.get(drive) ?? 1024 ** 4;
    return { id: drive.id, name: drive.name, driveType: drive.driveType, webUrl: drive.webUrl, quota: { total, used, remaining: total - used } };
  }

  private itemJson(drive: DriveStore, item: StoredItem): Record<string, unknown> {
    const path = drive.pathOf(item);
    const parentPath = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    const json: Record<string, unknown> = {
      id: item.id,
      name: item.name,
      createdDateTime: item.createdDateTime,
      lastModifiedDateTime: item.lastModifiedDateTime,
      eTag: `"{${item.id}},1"`,
      cTag: `"c:{${item.id}},1"`,
      webUrl: `${drive.webUrl}/${path.split('/').map(encodeURIComponent).join('/')}`,
      fileSystemInfo: item.fileSystemInfo,
      parentReference: item.parentId === undefined
        ? { driveId: drive.id, driveType: drive.driveType }
        : { driveId: drive.id, driveType: drive.driveType, id: item.parentId, path: `/drives/${drive.id}/root:${parentPath ? `/${parentPath}` : ''}` },
    };
    if (item.parentId === undefined) json['root'] = {};
    if (item.folder) {
      json['folder'] = { childCount: drive.children(item.id).length };
      json['size'] = 0;
    } else {
      const content = item.content ?? Buffer.alloc(0);
      json['size'] = content.length;
      json['file'] = { mimeType: 'application/octet-stream', hashes: { quickXorHash: quickXorHash(content) } };
    }
    return json;
  }
}

/** Starts a {@link GraphDouble}. */
export function startGraphDouble(options: GraphDoubleOptions = {}): Promise<GraphDouble> {
  return GraphDouble.start(options);
}

/** A drive item addressed as Graph allows: `/root`, `/items/{id}`, either followed by `:/path:` and an action. */
interface ItemRef {
  base: 'root' | string;
  path: string[];
  action: string | undefined;
}

function parseItemRef(ref: string): ItemRef | undefined {
  let base: string;
  let rest: string;
  if (ref.startsWith('/root')) {
    base = 'root';
    rest = ref.slice('/root'.length);
  } else {
    const m = /^\/items\/([^/:]+)(.*)$/.exec(ref);
    if (!m) return undefined;
    base = decodeURIComponent(m[1]!);
    rest = m[2]!;
  }
  let path: string[] = [];
  if (rest.startsWith(':/') || rest === ':') {
    const close = rest.indexOf(':', 1);
    const raw = close === -1 ? rest.slice(1) : rest.slice(1, close);
    path = raw.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    rest = close === -1 ? '' : rest.slice(close + 1);
  }
  if (rest === '' || rest === '/') return { base, path, action: undefined };
  const m = /^\/([A-Za-z]+)$/.exec(rest);
  return m ? { base, path, action: m[1] } : undefined;
}

/** `/oauth2/v2.0/token` and the other identity-platform routes, which answer errors their own way. */
function isIdentityRequest(url: string | undefined): boolean {
  return /^\/[^/]+\/(oauth2\/v2\.0\/|v2\.0\/\.well-known\/)/.test(url ?? '');
}

function defaultDriveWebUrl(id: string, name: string, driveType: 'personal' | 'business' | 'documentLibrary'): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '_') || 'user';
  if (driveType === 'personal') return `https://onedrive.live.com/?cid=${encodeURIComponent(id)}`;
  if (driveType === 'documentLibrary') return `https://contoso.sharepoint.com/sites/${slug}/Shared%20Documents`;
  return `https://contoso-my.sharepoint.com/personal/${slug}_contoso_onmicrosoft_com/Documents`;
}

/** The decoded path of the drive's `webUrl`, without a trailing slash (`''` for a consumer drive). */
function serverRelativePath(drive: DriveStore): string {
  return decodeURIComponent(new URL(drive.webUrl).pathname).replace(/\/+$/, '');
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
