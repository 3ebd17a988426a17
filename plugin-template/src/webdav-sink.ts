import { randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import {
  TargetMissing,
  createHasher,
  type Content,
  type CreateOptions,
  type CreateResult,
  type EntryInfo,
  type Logger,
  type Sink,
  type SinkCapabilities,
  type TargetAccess,
  accessFromError,
} from '@filing-sync/core';
import type { ResolvedWebDavSinkConfig } from './webdav-config.js';
import type { WebDavClient } from './webdav-client.js';
import { withKeyLock } from './keyed-lock.js';
import { webDavPathRules } from './webdav-path-rules.js';

/** The hash kind this sink reports: SHA-256, kept as a dead property beside each file it writes. */
export const WEBDAV_HASH_KIND = 'sha256';

/** Names of the empty files `check` writes and removes to learn whether it may write. */
const PROBE_PREFIX = '.filing-sync-probe-';

/** Namespace of the dead property that holds the SHA-256 of a file's bytes. */
const NS = 'urn:x-filing-sync:props';

const PROPFIND_BODY =
  '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:f="' + NS + '"><d:prop>' +
  '<d:resourcetype/><d:getcontentlength/><d:getlastmodified/><f:sha256/></d:prop></d:propfind>';

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === 'response' || name === 'propstat' });

/** Where a sink writes: the server origin and the folder's URL path segments (decoded). */
export interface WebDavTarget {
  /** `https://host:port` */
  origin: string;
  /** Folder segments below the origin, decoded, e.g. `['dav', 'Projects', 'Surrey Court']`. */
  segments: string[];
  /** The target URI as the user wrote it, for messages. */
  display: string;
}

/**
 * A folder on a WebDAV server (RFC 4918). No-clobber writes are `PUT` with `If-None-Match: *`
 * (the server answers 412 when the name is taken);
 * folders are made with `MKCOL`; `stat` is `PROPFIND` with depth 0. WebDAV has no standard content
 * hash, so the sink stores the SHA-256 it computed as a dead property (`PROPPATCH`) and, for
 * files written by others, hashes them by `GET`.
 */
export class WebDavSink implements Sink {
  readonly capabilities: SinkCapabilities;
  readonly folderPathLength: number;
  readonly displayPath: string;
  /** Set once the folder is known to exist, so each write costs one request. */
  private folderReady: Promise<void> | undefined;

  constructor(
    private readonly target: WebDavTarget,
    private readonly client: WebDavClient,
    private readonly config: ResolvedWebDavSinkConfig,
    private readonly logger: Logger,
  ) {
    this.capabilities = {
      pathRules: webDavPathRules(config.caseInsensitive),
      hashKind: WEBDAV_HASH_KIND,
      // If-None-Match: * is checked before the body is written, not atomically with it: Apache
      // mod_dav lets two concurrent PUTs of one new name both succeed (the conformance suite shows
      // it). Writes of one name are serialised within this process, but not against other clients.
      atomicCreate: false,
      largeUploadThreshold: config.largeUploadThreshold,
      // RFC 4918 makes getlastmodified protected: there is no standard way to set it.
      setsModifiedTime: false,
    };
    this.folderPathLength = Buffer.byteLength(`/${target.segments.join('/')}/`, 'utf8');
    this.displayPath = target.display.endsWith('/') ? target.display : `${target.display}/`;
  }

  async check(signal?: AbortSignal): Promise<TargetAccess> {
    try {
      await this.ensureFolder(signal);
      // WebDAV has no portable "may I write here?" query: write an empty probe and remove it.
      const probe = `${PROBE_PREFIX}${randomUUID()}`;
      await this.client.send({ method: 'PUT', path: this.fileUrl(probe), headers: { 'if-none-match': '*', 'content-length': '0' }, body: () => Buffer.alloc(0), accept: [200, 201, 204], what: 'write probe', signal });
      await this.client.send({ method: 'DELETE', path: this.fileUrl(probe), accept: [200, 204, 404], what: 'write probe removal', signal });
      return 'writable';
    } catch (err) {
      return accessFromError(err);
    }
  }

  async stat(name: string, signal?: AbortSignal): Promise<EntryInfo | undefined> {
    const response = await this.client.send({
      method: 'PROPFIND',
      path: this.fileUrl(name),
      headers: { depth: '0', 'content-type': 'application/xml; charset=utf-8' },
      body: () => PROPFIND_BODY,
      // 404: no such file; 409: a parent folder is missing, so no such file either.
      accept: [207, 404, 409],
      what: `lookup of "${name}"`,
      signal,
    });
    if (response.status !== 207) return undefined;
    const found = readPropfind(String(response.data));
    if (!found) return undefined;
    const storedName = found.name ?? name;
    // A folder holding the name is reported (without a hash), so the file goes to " (2)".
    if (found.collection) return { name: storedName, path: `${this.displayPath}${storedName}/`, size: 0 };
    const hash = found.sha256 ?? (await this.hashByDownload(storedName, signal));
    return { name: storedName, path: this.displayPath + storedName, size: found.size, hash, ...(found.modifiedAt ? { modifiedAt: found.modifiedAt } : {}) };
  }

  async create(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    await this.ensureFolder(options.signal);
    const key = `${this.target.origin}${this.fileUrl(this.capabilities.pathRules.caseInsensitive ? name.toLowerCase() : name)}`;
    return withKeyLock(key, () => this.createNow(name, content, options));
  }

  private async createNow(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    const hash = await content.digest(WEBDAV_HASH_KIND);
    const large = content.size >= this.config.largeUploadThreshold;
    const put = () =>
      this.client.send({
        method: 'PUT',
        path: this.fileUrl(name),
        headers: { 'if-none-match': '*', 'content-length': String(content.size), 'content-type': 'application/octet-stream' },
        // Small files go from memory; large ones are streamed. Either way each attempt opens the
        // content afresh, so a retried upload never sends a spent stream (a 0-byte file).
        body: () => (large ? content.open() : content.bytes()),
        // 412: the name is taken (If-None-Match: * failed); 409: the folder went away meanwhile.
        accept: [200, 201, 204, 409, 412],
        what: `upload of "${name}"`,
        signal: options.signal,
      });
    let response = await put();
    if (response.status === 409) {
      this.folderReady = undefined;
      await this.ensureFolder(options.signal);
      response = await put();
    }
    if (response.status === 412) return { created: false };
    if (response.status === 409) throw new TargetMissing(`The folder ${this.displayPath} disappeared while "${name}" was written.`);
    await this.recordHash(name, hash, options.signal);
    return { created: true, entry: { name, path: this.displayPath + name, size: content.size, hash } };
  }

  /**
   * Removes write probes that a `check` interrupted by a crash left behind. Interrupted uploads
   * leave nothing to clean: the server writes a PUT body to a temporary file and discards it.
   */
  async recover(signal?: AbortSignal): Promise<number> {
    let removed = 0;
    try {
      const listing = await this.client.send({
        method: 'PROPFIND',
        path: this.folderUrl(this.target.segments.length),
        headers: { depth: '1', 'content-type': 'application/xml; charset=utf-8' },
        body: () => PROPFIND_BODY,
        accept: [207, 404, 409],
        what: `listing of ${this.displayPath}`,
        signal,
      });
      if (listing.status !== 207) return 0;
      for (const found of readPropfindAll(String(listing.data))) {
        if (!found.name?.startsWith(PROBE_PREFIX)) continue;
        await this.client.send({ method: 'DELETE', path: this.fileUrl(found.name), accept: [200, 204, 404], what: `removal of ${found.name}`, signal });
        removed++;
      }
    } catch (err) {
      this.logger.warn({ folder: this.displayPath, err: (err as Error).message }, 'could not remove leftover write probes');
    }
    return removed;
  }

  async dispose(): Promise<void> {
    this.folderReady = undefined;
  }

  /** Makes sure the target folder exists: one PROPFIND when it does, MKCOL top-down when not. */
  private ensureFolder(signal?: AbortSignal): Promise<void> {
    this.folderReady ??= this.makeFolder(signal).catch((err: unknown) => {
      this.folderReady = undefined;
      throw err;
    });
    return this.folderReady;
  }

  private async makeFolder(signal?: AbortSignal): Promise<void> {
    const exists = await this.client.send({
      method: 'PROPFIND',
      path: this.folderUrl(this.target.segments.length),
      headers: { depth: '0' },
      accept: [207, 404, 409],
      what: `lookup of folder ${this.displayPath}`,
      signal,
    });
    if (exists.status === 207) return;
    if (!this.config.createMissingFolders) {
      throw new TargetMissing(`The folder ${this.displayPath} does not exist, and createMissingFolders is off.`);
    }
    for (let depth = 1; depth <= this.target.segments.length; depth++) {
      // 405: already there (a collection, or a file in the way, which the next level reveals).
      const made = await this.client.send({
        method: 'MKCOL',
        path: this.folderUrl(depth),
        accept: [201, 405],
        what: `creation of folder /${this.target.segments.slice(0, depth).join('/')}/`,
        signal,
      });
      if (made.status === 201) this.logger.info({ folder: this.target.segments.slice(0, depth).join('/') }, 'created WebDAV folder');
    }
  }

  /** Stores the hash beside the file. A failure only costs a download on the next stat. */
  private async recordHash(name: string, hash: string, signal?: AbortSignal): Promise<void> {
    const body =
      '<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:f="' + NS + '">' +
      `<d:set><d:prop><f:sha256>${hash}</f:sha256></d:prop></d:set></d:propertyupdate>`;
    try {
      await this.client.send({ method: 'PROPPATCH', path: this.fileUrl(name), headers: { 'content-type': 'application/xml; charset=utf-8' }, body: () => body, accept: [207, 200], what: `hash property of "${name}"`, signal });
    } catch (err) {
      this.logger.warn({ name, err: (err as Error).message }, 'could not store the hash property; it will be computed by download');
    }
  }

  private async hashByDownload(name: string, signal?: AbortSignal): Promise<string> {
    const response = await this.client.send({ method: 'GET', path: this.fileUrl(name), accept: [200], what: `download of "${name}" to hash it`, signal, responseType: 'stream' });
    const hasher = createHasher(WEBDAV_HASH_KIND);
    for await (const chunk of response.data as AsyncIterable<Buffer>) hasher.update(chunk);
    return hasher.digest();
  }

  private folderUrl(depth: number): string {
    return `/${this.target.segments.slice(0, depth).map(encodeURIComponent).join('/')}/`;
  }

  private fileUrl(name: string): string {
    return this.folderUrl(this.target.segments.length) + encodeURIComponent(name);
  }
}

interface Found {
  name: string | undefined;
  collection: boolean;
  size: number;
  modifiedAt?: Date;
  sha256?: string;
}

type PropfindResponse = { href?: string; propstat?: Array<{ status?: string; prop?: Record<string, unknown> }> };

/** Reads the one response of a depth-0 PROPFIND. */
function readPropfind(xml: string): Found | undefined {
  return readPropfindAll(xml)[0];
}

/** Reads every response of a PROPFIND (depth 1: the folder itself first, then its members). */
function readPropfindAll(xml: string): Found[] {
  const doc = parser.parse(xml) as { multistatus?: { response?: PropfindResponse[] } };
  return (doc.multistatus?.response ?? []).map(readResponse);
}

function readResponse(response: PropfindResponse): Found {
  const ok = response.propstat?.find((p) => / 200 /.test(String(p.status ?? '')));
  const prop = ok?.prop ?? {};
  const href = String(response.href ?? '').replace(/\/+$/, '');
  const last = href.slice(href.lastIndexOf('/') + 1);
  const modified = typeof prop.getlastmodified === 'string' ? new Date(prop.getlastmodified) : undefined;
  const sha = typeof prop.sha256 === 'string' && /^[0-9a-f]{64}$/i.test(prop.sha256.trim()) ? prop.sha256.trim().toLowerCase() : undefined;
  return {
    name: last ? decodeURIComponent(last) : undefined,
    collection: typeof prop.resourcetype === 'object' && prop.resourcetype !== null && 'collection' in prop.resourcetype,
    size: Number(prop.getcontentlength ?? 0),
    ...(modified && !Number.isNaN(modified.getTime()) ? { modifiedAt: modified } : {}),
    ...(sha ? { sha256: sha } : {}),
  };
}
