/**
 * The Egnyte Public API v1 calls the sink makes, in one place: metadata, add_folder, upload and
 * chunked upload. Every call is paced, authorised with the bearer token from the credential
 * broker (a refused token is invalidated and fetched once more) and mapped into the taxonomy.
 * @packageDocumentation
 */
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import {
  AuthError,
  type CredentialBroker,
  type CredentialRequest,
  type Pacer,
  PermanentError,
  TransientError,
  headerValue,
  type HttpClientErrorLike,
} from '@filing-sync/core';
import { egnyteError, masheryThrottle } from './egnyte-errors.js';

/** A file as `GET /pubapi/v1/fs/{path}` describes it. */
export interface EgnyteFileMetadata {
  is_folder: false;
  name: string;
  path: string;
  size: number;
  /** SHA-512 of the content, hex. */
  checksum: string;
  entry_id: string;
  group_id: string;
  /** HTTP date. */
  last_modified?: string;
}

/** A folder as `GET /pubapi/v1/fs/{path}` describes it. */
export interface EgnyteFolderMetadata {
  is_folder: true;
  name: string;
  path: string;
  folder_id: string;
}

/** What an upload (or the last chunk of one) returns. */
export interface EgnyteUploadResult {
  /** SHA-512 of the stored content, hex (`X-Sha512-Checksum`, else the body's `checksum`). */
  checksum: string;
  entryId: string;
  groupId?: string;
}

/** One chunk of a chunked upload. */
export interface EgnyteChunk {
  /** 1 for the first chunk. */
  number: number;
  /** From the first chunk's reply; absent for chunk 1. */
  uploadId?: string;
  last: boolean;
  /** Bytes in this chunk. */
  length: number;
  /** SHA-512 of this chunk, hex. */
  sha512: string;
  /** Opens the chunk's bytes afresh (called once per attempt). */
  open(): Readable;
}

/** Options of {@link EgnyteClient}. */
export interface EgnyteClientOptions {
  /** Egnyte domain, e.g. `acme` for acme.egnyte.com. */
  domain: string;
  /** API root, e.g. `https://acme.egnyte.com`. */
  baseUrl: string;
  credentials: CredentialBroker;
  /** Shared by every target of this domain. */
  pacer: Pacer;
  timeoutMs: number;
}

/**
 * The stored file as an upload's reply describes it (`X-Sha512-Checksum` and `ETag`, else the
 * body's `checksum` and `entry_id`), or `undefined` when the reply lacks either.
 */
function uploadResult(res: AxiosResponse<{ checksum?: string; entry_id?: string; group_id?: string } | undefined>): EgnyteUploadResult | undefined {
  const checksum = headerValue(res.headers, 'x-sha512-checksum') ?? res.data?.checksum;
  const entryId = headerValue(res.headers, 'etag') ?? res.data?.entry_id;
  if (!checksum || !entryId) return undefined;
  return { checksum: checksum.toLowerCase(), entryId: entryId.replace(/^"|"$/g, ''), ...(res.data?.group_id ? { groupId: res.data.group_id } : {}) };
}

/** Encodes a path one segment at a time, keeping `/` (Egnyte's File System API rule). */
export function encodeEgnytePath(segments: readonly string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

/**
 * Thin client of the Egnyte Public API v1. Errors: {@link AuthError} when the token is refused
 * twice, `TransientError` for throttling (Mashery 403), 5xx and network failures,
 * `PermissionDenied` for any other 403, `PermanentError` for bad requests. Never retries
 * anything but a refused token.
 */
export class EgnyteClient {
  private readonly http: AxiosInstance;
  private readonly credentialRequest: CredentialRequest;
  private username: Promise<string> | undefined;

  constructor(private readonly options: EgnyteClientOptions) {
    this.http = axios.create({
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      // Uploads stream; without redirects axios does not buffer the body for replay.
      maxRedirects: 0,
      maxBodyLength: Number.POSITIVE_INFINITY,
      maxContentLength: Number.POSITIVE_INFINITY,
    });
    this.credentialRequest = { resource: 'egnyte', account: options.domain };
  }

  /** Metadata of a file or folder; `undefined` when nothing is at `path`. */
  async metadata(path: readonly string[], signal?: AbortSignal): Promise<EgnyteFileMetadata | EgnyteFolderMetadata | undefined> {
    try {
      const res = await this.send<EgnyteFileMetadata | EgnyteFolderMetadata>(`Reading ${this.show(path)}`, signal, () => ({
        method: 'GET',
        url: `/pubapi/v1/fs/${encodeEgnytePath(path)}`,
        params: { list_content: false },
      }));
      return res.data;
    } catch (err) {
      if ((err as { kind?: string }).kind === 'target-missing') return undefined;
      throw err;
    }
  }

  /**
   * The effective permission of the token's user on a folder (`Owner`, `Full`, `Editor`,
   * `Viewer`, `None`): `GET /pubapi/v1/userinfo` once, then `GET /pubapi/v1/perms/user/{username}`.
   */
  async effectivePermission(folder: readonly string[], signal?: AbortSignal): Promise<string> {
    this.username ??= this.send<{ username?: string }>(`Reading the user of the Egnyte token for ${this.options.domain}`, signal, () => ({
      method: 'GET',
      url: '/pubapi/v1/userinfo',
    })).then((res) => {
      if (!res.data?.username) throw new PermanentError(`Egnyte's userinfo for ${this.options.domain} names no user.`);
      return res.data.username;
    });
    this.username.catch(() => (this.username = undefined));
    const username = await this.username;
    const res = await this.send<{ permission?: string }>(`Reading permissions on ${this.show(folder)}`, signal, () => ({
      method: 'GET',
      url: `/pubapi/v1/perms/user/${encodeURIComponent(username)}`,
      params: { folder: `/${folder.join('/')}` },
    }));
    return res.data?.permission ?? 'None';
  }

  /** Creates one folder; `exists` when Egnyte says one is already there (its 403 "already exists"). */
  async addFolder(path: readonly string[], signal?: AbortSignal): Promise<'created' | 'exists'> {
    try {
      await this.send(`Creating folder ${this.show(path)}`, signal, () => ({
        method: 'POST',
        url: `/pubapi/v1/fs/${encodeEgnytePath(path)}`,
        data: { action: 'add_folder' },
        headers: { 'Content-Type': 'application/json' },
      }));
      return 'created';
    } catch (err) {
      const raw = (err as { cause?: HttpClientErrorLike }).cause;
      if (raw?.response?.status === 403 && /already exists/i.test(JSON.stringify(raw.response.data ?? ''))) return 'exists';
      throw err;
    }
  }

  /**
   * Uploads a whole file in one request (`POST /pubapi/v1/fs-content/{path}`), which creates it or
   * adds a version. `open` is called per attempt, so a retried upload never sends an empty body.
   * Resolves the stored file as the reply describes it, or `undefined` when the reply (though a
   * success: the file is stored) lacks its checksum or entry id; the caller looks the file up then.
   * Rejects like every call of this client.
   */
  async upload(
    path: readonly string[],
    body: { length: number; sha512: string; modifiedAt: Date; open(): Readable },
    signal?: AbortSignal,
  ): Promise<EgnyteUploadResult | undefined> {
    const res = await this.send<{ checksum?: string; entry_id?: string; group_id?: string }>(`Uploading ${this.show(path)}`, signal, () => ({
      method: 'POST',
      url: `/pubapi/v1/fs-content/${encodeEgnytePath(path)}`,
      data: body.open(),
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(body.length),
        // Egnyte checks the body against it and refuses a damaged upload.
        'X-Sha512-Checksum': body.sha512,
        'Last-Modified': body.modifiedAt.toUTCString(),
      },
    }));
    return uploadResult(res);
  }

  /**
   * Sends one chunk of a chunked upload (`POST /pubapi/v1/fs-content-chunked/{path}`).
   * Resolves the upload id (from the first chunk's reply), and for the last chunk the stored file
   * when the reply describes it (`file` is absent otherwise: Egnyte's documentation promises the
   * chunk headers on every reply, not the whole file's checksum on the last, so the caller looks
   * the file up). Rejects with `TransientError` when Egnyte's checksum of the chunk differs from
   * ours, `PermanentError` when a reply to a chunk before the last names no upload id, and like
   * every call of this client otherwise.
   */
  async uploadChunk(
    path: readonly string[],
    chunk: EgnyteChunk,
    modifiedAt: Date,
    signal?: AbortSignal,
  ): Promise<{ uploadId: string | undefined; file?: EgnyteUploadResult }> {
    const what = `Uploading chunk ${chunk.number} of ${this.show(path)}`;
    const res = await this.send<{ checksum?: string; entry_id?: string; group_id?: string }>(what, signal, () => ({
      method: 'POST',
      url: `/pubapi/v1/fs-content-chunked/${encodeEgnytePath(path)}`,
      data: chunk.open(),
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(chunk.length),
        'X-Egnyte-Chunk-Num': String(chunk.number),
        'X-Egnyte-Chunk-Sha512-Checksum': chunk.sha512,
        ...(chunk.uploadId ? { 'X-Egnyte-Upload-Id': chunk.uploadId } : {}),
        ...(chunk.last ? { 'X-Egnyte-Last-Chunk': 'true', 'Last-Modified': modifiedAt.toUTCString() } : {}),
      },
    }));
    const uploadId = headerValue(res.headers, 'x-egnyte-upload-id') ?? chunk.uploadId;
    // Only a chunk with more to follow needs the id; after the last one the upload is done.
    if (!uploadId && !chunk.last) throw new PermanentError(`${what}: Egnyte sent no X-Egnyte-Upload-Id.`);
    const echoed = headerValue(res.headers, 'x-egnyte-chunk-sha512-checksum');
    if (echoed && echoed.toLowerCase() !== chunk.sha512) {
      throw new TransientError(`${what}: Egnyte's checksum of the chunk differs from the one sent.`);
    }
    if (!chunk.last) return { uploadId };
    const file = uploadResult(res);
    return file ? { uploadId, file } : { uploadId };
  }

  /**
   * One API call: paced, with the bearer token; a 401 invalidates the token and tries once more
   * with a fresh one (building the request again, so a body stream is never reused).
   */
  private async send<T>(what: string, signal: AbortSignal | undefined, build: () => AxiosRequestConfig): Promise<AxiosResponse<T>> {
    for (let attempt = 1; ; attempt++) {
      const credential = await this.options.credentials.get(this.credentialRequest, signal);
      if (credential.type !== 'bearer') {
        throw new AuthError(`The credentials for Egnyte domain "${this.options.domain}" are not a bearer token (found ${credential.type}).`);
      }
      try {
        return await this.options.pacer.run(() => {
          const config = build();
          return this.http.request<T>({ ...config, signal, headers: { ...config.headers, Authorization: `Bearer ${credential.accessToken}` } });
        }, signal);
      } catch (err) {
        const status = (err as HttpClientErrorLike).response?.status;
        const throttle = masheryThrottle(err);
        // Every target of this domain shares the token's limit: hold them all.
        if (throttle) this.options.pacer.holdFor(throttle.retryAfterMs ?? 1000);
        if (status === 401) {
          this.options.credentials.invalidate(this.credentialRequest);
          if (attempt === 1) continue;
          throw new AuthError(`${what}: Egnyte refused the access token for domain "${this.options.domain}".`, { cause: err });
        }
        throw egnyteError(err, what);
      }
    }
  }

  private show(path: readonly string[]): string {
    return `"/${path.join('/')}" on ${this.options.domain}`;
  }
}
