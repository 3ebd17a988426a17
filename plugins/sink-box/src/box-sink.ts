import { createHash } from 'node:crypto';
import type { BoxClient } from 'box-node-sdk';
import { generateByteStreamFromBuffer, dateTimeFromString } from 'box-node-sdk/internal';
import { UploadFileHeaders } from 'box-node-sdk/managers';
import type { FileFull, UploadPart } from 'box-node-sdk/schemas';
import {
  type Content,
  type CreateOptions,
  type CreateResult,
  type EntryInfo,
  type Logger,
  type RetryPolicy,
  type Sink,
  type SinkCapabilities,
  type TargetAccess,
  type FilingSyncError,
  PermanentError,
  TargetMissing,
  TransientError,
  readRange,
  remotePath,
  retrying,
  accessFromError,
} from '@filing-sync/core';
import { BOX_PATH_RULES } from './box-path-rules.js';
import { SESSION_EXPIRED_ACTION, boxErrorCode, mapBoxError, nameInUse, uploadSessionGone } from './box-errors.js';
import type { BoxFolderResolver } from './box-folders.js';
import { folderItems } from './box-listing.js';
import type { CommitAttributesInterceptor } from './box-commit-attributes.js';
import type { ResolvedBoxSinkConfig } from './box-config.js';

/** Retries inside an open upload session only (a part or the commit); the engine retries the rest. */
const SESSION_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 5_000 };

/** What a {@link BoxSink} is made of. */
export interface BoxSinkOptions {
  client: BoxClient;
  folders: BoxFolderResolver;
  commitAttributes: CommitAttributesInterceptor;
  /** Folder path segments below the root. */
  folder: readonly string[];
  config: ResolvedBoxSinkConfig;
  logger: Logger;
}

/**
 * A folder in Box, written through box-node-sdk 10. Every write starts with a preflight check
 * (`OPTIONS /files/content`): a 409 `item_name_in_use` answers `{created: false}` with the
 * existing file's SHA-1 for the core's comparison. Files below `uploadThreshold` go in one
 * upload (with their SHA-1 as `Content-MD5`), larger ones through a chunked upload session
 * (server-chosen part size, SHA-1 digest per part and for the whole file, a commit that may
 * answer 202 + Retry-After). Box shows a file only once uploaded or committed, so writes are
 * atomic; a failed session is aborted.
 * @public
 */
export class BoxSink implements Sink {
  readonly capabilities: SinkCapabilities;
  readonly displayPath: string;
  readonly folderPathLength: number;
  private readonly folderPath: string;

  constructor(private readonly options: BoxSinkOptions) {
    this.folderPath = remotePath(options.folder);
    this.displayPath = `box:${this.folderPath}`;
    this.folderPathLength = this.folderPath === '/' ? 1 : this.folderPath.length + 1;
    this.capabilities = {
      pathRules: BOX_PATH_RULES,
      hashKind: 'sha1',
      atomicCreate: true,
      largeUploadThreshold: options.config.uploadThreshold,
      setsModifiedTime: true,
    };
  }

  /**
   * Resolves the folder (creating missing levels, finding existing ones even below a folder the
   * account may only view): `writable` when uploads are allowed there, `denied` when a missing
   * level may not be created or the folder's permissions say `can_upload: false`, `missing` when a
   * file stands in the way. Rejects with {@link AuthError} or {@link TransientError}.
   */
  async check(signal?: AbortSignal): Promise<TargetAccess> {
    signal?.throwIfAborted();
    let id: string;
    try {
      id = await this.options.folders.resolve(this.options.folder);
    } catch (err) {
      return accessFromError(err);
    }
    try {
      const folder = await this.options.client.folders.getFolderById(id, { queryParams: { fields: ['permissions', 'name'] } });
      return folder.permissions && folder.permissions.canUpload === false ? 'denied' : 'writable';
    } catch (err) {
      return accessFromError(this.mapped(err, `lookup of ${this.folderPath}`));
    }
  }

  /**
   * The item called `name` in the target folder, or `undefined`: by preflight check (one call),
   * or, where the account may not upload (the preflight answers 403), by listing the folder.
   * Rejects like `create`.
   */
  async stat(name: string, signal?: AbortSignal): Promise<EntryInfo | undefined> {
    signal?.throwIfAborted();
    const folderId = await this.options.folders.resolve(this.options.folder);
    try {
      await this.options.client.uploads.preflightFileUploadCheck({ name, size: 0, parent: { id: folderId } });
      return undefined;
    } catch (err) {
      const taken = nameInUse(err);
      if (taken) return this.existing(taken, name);
      if (boxErrorCode(err)?.status !== 403) throw this.mapped(err, `lookup of ${this.pathOf(name)}`);
    }
    return this.findByListing(folderId, name, signal);
  }

  /** Pages through the folder's items for `name` (Box compares names case-insensitively). */
  private async findByListing(folderId: string, name: string, signal?: AbortSignal): Promise<EntryInfo | undefined> {
    const wanted = name.normalize('NFC').toLowerCase();
    try {
      for await (const hit of folderItems(this.options.client, folderId, ['name', 'size', 'sha1', 'content_modified_at'], signal)) {
        if ((hit as { name?: string }).name?.normalize('NFC').toLowerCase() !== wanted) continue;
        if (hit.type !== 'file') return { name: (hit as { name?: string }).name ?? name, path: this.pathOf(name), size: 0 };
        return this.entryOf(hit as FileFull, name);
      }
    } catch (err) {
      if (signal?.aborted) throw err;
      throw this.mapped(err, `listing of ${this.folderPath}`);
    }
    return undefined;
  }

  /**
   * Uploads `content` as `name` unless the name is taken (`{created: false, existing}`).
   * Rejects with {@link PermissionDenied} (403), {@link PermanentError} (bad name, over the
   * account's size or storage limit), {@link TransientError} (429 / 5xx with `retryAfterMs`,
   * network, 409 `name_temporarily_reserved` while another upload of the name is under way, a
   * commit that still answers `parts_mismatch` after the session's retries, an upload session Box
   * answers 410 `session_expired` / `upload_failed`, after which the next attempt opens a new
   * session), {@link AuthError}
   * (401 after one re-authentication), {@link TargetMissing}.
   */
  async create(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    const { signal } = options;
    signal?.throwIfAborted();
    const folderId = await this.options.folders.resolve(this.options.folder);
    try {
      await this.options.client.uploads.preflightFileUploadCheck({ name, size: content.size, parent: { id: folderId } });
    } catch (err) {
      const taken = nameInUse(err);
      if (taken) return { created: false, ...(await this.existingOrNothing(taken, name)) };
      throw this.mapped(err, `preflight of ${this.pathOf(name)}`);
    }
    signal?.throwIfAborted();
    let file: FileFull;
    try {
      file = content.size < this.options.config.uploadThreshold
        ? await this.uploadSimple(folderId, name, content, options.modifiedAt)
        : await this.uploadChunked(folderId, name, content, options.modifiedAt, signal);
    } catch (err) {
      // Another writer took the name between the preflight and the upload.
      const taken = nameInUse(err) ?? nameInUse((err as { cause?: unknown }).cause);
      if (taken) return { created: false, ...(await this.existingOrNothing(taken, name)) };
      throw this.mapped(err, `upload of ${this.pathOf(name)}`);
    }
    return { created: true, entry: this.entryOf(file, name) };
  }

  private async uploadSimple(folderId: string, name: string, content: Content, modifiedAt: Date): Promise<FileFull> {
    const files = await this.options.client.uploads.uploadFile(
      { attributes: { name, parent: { id: folderId }, contentModifiedAt: dateTimeFromString(modifiedAt.toISOString()) }, file: content.open() },
      // Box's Content-MD5 header carries the SHA-1: Box refuses the upload if the bytes differ.
      { headers: new UploadFileHeaders({ contentMd5: await content.digest('sha1') }) },
    );
    const file = files.entries?.[0];
    if (!file) throw new TransientError(`Box accepted the upload of ${this.pathOf(name)} but returned no file.`);
    return file;
  }

  /**
   * Creates a session, sends each part (retried within the session; a part Box already holds
   * after a lost reply is recognised from the parts list by offset and SHA-1), then commits
   * with the whole file's SHA-1 (202 "not ready" is polled by the retry strategy, honouring
   * Retry-After; 400 `parts_mismatch`, which Box answers while its parts list catches up with the
   * last part, is committed again within the session). Aborts the session when it cannot finish; a
   * session Box has expired (404, or 410 `session_expired` / `upload_failed`) is not retried but
   * ends in a {@link TransientError}, and the next attempt creates a new session.
   */
  private async uploadChunked(folderId: string, name: string, content: Content, modifiedAt: Date, signal?: AbortSignal): Promise<FileFull> {
    const chunked = this.options.client.chunkedUploads;
    const size = content.size;
    const session = await chunked.createFileUploadSession({ folderId, fileSize: size, fileName: name });
    const endpoints = session.sessionEndpoints;
    const partSize = session.partSize;
    if (!endpoints?.uploadPart || !endpoints.commit || !endpoints.listParts || !partSize) {
      throw new TransientError(`Box returned an upload session for ${this.pathOf(name)} without part size or endpoints.`);
    }
    const retry = { policy: SESSION_RETRY, ...(signal ? { signal } : {}), onRetry: (e: Error, attempt: number, delay: number) => this.options.logger.debug({ err: e.message, attempt, delay }, 'Box upload session call retried') };
    this.options.commitAttributes.set(session.id!, rfc3339(modifiedAt));
    try {
      const parts: UploadPart[] = [];
      for (let start = 0; start < size; start += partSize) {
        const end = Math.min(start + partSize, size);
        parts.push(await retrying(async () => {
          const bytes = await readRange(content, start, end, signal);
          const sha1 = createHash('sha1').update(bytes);
          const hex = sha1.copy().digest('hex');
          try {
            const uploaded = await chunked.uploadFilePartByUrl(endpoints.uploadPart!, generateByteStreamFromBuffer(bytes), {
              digest: `sha=${sha1.digest('base64')}`,
              contentRange: `bytes ${start}-${end - 1}/${size}`,
            });
            if (!uploaded.part) throw new TransientError('Box returned no part record.');
            return uploaded.part;
          } catch (err) {
            const c = boxErrorCode(err);
            if (c?.status === 416 && c.code === 'range_overlaps_existing_part') {
              const held = (await chunked.getFileUploadSessionPartsByUrl(endpoints.listParts!)).entries?.find((p) => p.offset === start && p.size === end - start && p.sha1 === hex);
              if (held) return held;
            }
            if (c?.status === 404) throw new SessionGone(`Box no longer knows the upload session of ${this.pathOf(name)}.`, { cause: err });
            if (uploadSessionGone(err)) throw this.sessionExpired(name, err);
            throw this.mapped(err, `upload of part ${start}-${end - 1} of ${this.pathOf(name)}`);
          }
        }, retry));
      }
      const digest = `sha=${Buffer.from(await content.digest('sha1'), 'hex').toString('base64')}`;
      let commits = 0;
      const committed = await retrying<{ file: FileFull | undefined } | { conflict: unknown }>(async () => {
        const earlierTry = commits++ > 0;
        try {
          const files = await chunked.createFileUploadSessionCommitByUrl(endpoints.commit!, { parts }, { digest });
          // Still 202 after the strategy's polls: try again within the session.
          if (!files) throw new TransientError(`Box has not finished assembling ${this.pathOf(name)} yet.`);
          return { file: files.entries?.[0] };
        } catch (err) {
          // A commit whose reply was lost has made the file and closed the session.
          if (earlierTry && boxErrorCode(err)?.status === 404) {
            const mine = await this.committedCopy(folderId, name, content);
            if (mine) return { file: mine };
          }
          if (nameInUse(err)) return { conflict: err };
          if (boxErrorCode(err)?.status === 404) throw new SessionGone(`Box no longer knows the upload session of ${this.pathOf(name)}.`, { cause: err });
          if (uploadSessionGone(err)) throw this.sessionExpired(name, err);
          throw mapBoxError(err, `commit of ${this.pathOf(name)}`);
        }
      }, retry);
      if ('conflict' in committed) throw committed.conflict;
      if (!committed.file) throw new TransientError(`Box committed ${this.pathOf(name)} but returned no file.`);
      return committed.file;
    } catch (err) {
      if (endpoints.abort) await chunked.deleteFileUploadSessionByUrl(endpoints.abort).catch(() => undefined);
      // An expired or lost session is no reason to give the file up: the next attempt opens a new one.
      // The session id dies with this call (it is local to it): the next attempt creates a new session.
      if (err instanceof SessionGone) throw new TransientError(err.message, { cause: err.cause, action: SESSION_EXPIRED_ACTION });
      throw err;
    } finally {
      this.options.commitAttributes.delete(session.id!);
    }
  }

  /**
   * A 410 `session_expired` / `upload_failed` inside the session: retrying the part or commit on the
   * dead session id would only meet the same 410, so the session loop stops at once.
   */
  private sessionExpired(name: string, err: unknown): SessionGone {
    const code = boxErrorCode(err)?.code ?? 'session_expired';
    return new SessionGone(`The upload session for ${this.pathOf(name)} expired (Box answered HTTP 410 ${code}); the next attempt starts a new one.`, { cause: err });
  }

  /** The file called `name` in the folder when it holds exactly `content` (by SHA-1), else `undefined`. */
  private async committedCopy(folderId: string, name: string, content: Content): Promise<FileFull | undefined> {
    try {
      await this.options.client.uploads.preflightFileUploadCheck({ name, size: content.size, parent: { id: folderId } });
      return undefined;
    } catch (err) {
      const taken = nameInUse(err);
      if (taken?.type !== 'file' || !taken.id) return undefined;
      const file = await this.options.client.files.getFileById(taken.id, { queryParams: { fields: ['name', 'size', 'sha1', 'content_modified_at'] } });
      return file.sha1 === (await content.digest('sha1')) ? file : undefined;
    }
  }

  private async existingOrNothing(taken: { type: string; id: string; name?: string }, name: string): Promise<{ existing?: EntryInfo }> {
    const existing = await this.existing(taken, name);
    return existing ? { existing } : {};
  }

  /** The entry for a conflicting item: a file's size, SHA-1 and time from Box; a folder as size 0. */
  private async existing(taken: { type: string; id: string; name?: string }, name: string): Promise<EntryInfo | undefined> {
    if (taken.type !== 'file' || !taken.id) return { name: taken.name ?? name, path: this.pathOf(taken.name ?? name), size: 0 };
    try {
      const file = await this.options.client.files.getFileById(taken.id, { queryParams: { fields: ['name', 'size', 'sha1', 'content_modified_at'] } });
      return this.entryOf(file, name);
    } catch (err) {
      throw this.mapped(err, `lookup of ${this.pathOf(name)}`);
    }
  }

  private entryOf(file: FileFull, fallbackName: string): EntryInfo {
    const name = file.name ?? fallbackName;
    return {
      name,
      path: this.pathOf(name),
      size: file.size ?? 0,
      ...(file.sha1 ? { hash: file.sha1 } : {}),
      ...(file.contentModifiedAt ? { modifiedAt: file.contentModifiedAt.value } : {}),
      webUrl: `https://app.box.com/file/${file.id}`,
    };
  }

  /** Maps an error; a vanished folder also clears the id cache so the next try re-resolves it. */
  private mapped(err: unknown, what: string): FilingSyncError {
    const mapped = mapBoxError(err, what);
    if (mapped instanceof TargetMissing) this.options.folders.forget();
    return mapped;
  }

  private pathOf(name: string): string {
    return `box:${this.folderPath === '/' ? '' : this.folderPath}/${name}`;
  }
}

/**
 * The upload session is gone (expired after 7 days, aborted, or 410 `session_expired` /
 * `upload_failed`). A PermanentError inside the
 * session loop, so that `retrying` stops at once; turned into a TransientError for the engine.
 */
class SessionGone extends PermanentError {}

/** Box's date-time form: RFC 3339 in UTC without fractions. */
function rfc3339(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
