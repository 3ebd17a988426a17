import type { Dropbox, files } from 'dropbox';
import {
  type Content,
  type CreateOptions,
  type CreateResult,
  type CredentialBroker,
  type CredentialRequest,
  type EntryInfo,
  type Logger,
  type RetryPolicy,
  type Sink,
  type SinkCapabilities,
  type TargetAccess,
  AuthError,
  PermanentError,
  TargetMissing,
  TransientError,
  dropboxContentHash,
  readRange,
  remotePath,
  retrying,
} from '@filing-sync/core';
import { DROPBOX_PATH_RULES } from './dropbox-path-rules.js';
import { dropboxErrorSummary, incorrectOffset, isDropboxUnauthorized, mapDropboxError } from './dropbox-errors.js';
import type { ResolvedDropboxSinkConfig } from './dropbox-config.js';

/** Largest file the Dropbox API takes (2^41 - 2^22 bytes, about 2 TiB). */
const DROPBOX_MAX_FILE_SIZE = 2 ** 41 - 2 ** 22;

/**
 * Retries inside an open upload session only (an append or the finish): short, since the engine
 * retries the whole filing after this gives up.
 */
const SESSION_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 5_000 };

/** What a {@link DropboxSink} is made of. */
export interface DropboxSinkOptions {
  client: Dropbox;
  /** Folder path segments below the path root. */
  folder: readonly string[];
  config: ResolvedDropboxSinkConfig;
  credentials: CredentialBroker;
  logger: Logger;
}

/**
 * A folder in Dropbox, written through the official SDK. Uploads use `mode: add`,
 * `autorename: false` and `strict_conflict: true`, so an existing name is never replaced and
 * always reported (`{created: false}`, with its `content_hash` for the core's comparison).
 * Files below `uploadThreshold` go in one `files/upload`; larger ones through an upload session
 * that resumes from the server's offset after `incorrect_offset`. Uploads are atomic: Dropbox
 * shows the file only once committed.
 * @public
 */
export class DropboxSink implements Sink {
  readonly capabilities: SinkCapabilities;
  readonly displayPath: string;
  readonly folderPathLength: number;
  private readonly folderPath: string;
  private readonly request: CredentialRequest = { resource: 'dropbox' };
  private pathRootReady: Promise<void> | undefined;

  constructor(private readonly options: DropboxSinkOptions) {
    this.folderPath = remotePath(options.folder);
    this.displayPath = `dropbox:${this.folderPath}`;
    this.folderPathLength = this.folderPath === '/' ? 1 : this.folderPath.length + 1;
    this.capabilities = {
      pathRules: DROPBOX_PATH_RULES,
      hashKind: 'dropbox',
      maxFileSize: DROPBOX_MAX_FILE_SIZE,
      atomicCreate: true,
      largeUploadThreshold: options.config.uploadThreshold,
      setsModifiedTime: true,
    };
  }

  /**
   * `writable` when the folder exists (or was just created) and is not a read-only shared folder,
   * `denied` when Dropbox refuses writing there, `missing` when a file stands where the folder
   * should be. Rejects with {@link AuthError}, {@link TransientError}, or {@link ConfigError}
   * when the path root is refused.
   */
  async check(signal?: AbortSignal): Promise<TargetAccess> {
    if (this.folderPath === '/') return 'writable';
    try {
      const meta = (await this.call(() => this.options.client.filesGetMetadata({ path: this.folderPath }), signal)).result;
      if (meta['.tag'] === 'file') return 'missing';
      const sharing = (meta as files.FolderMetadata).sharing_info;
      return sharing?.read_only ? 'denied' : 'writable';
    } catch (err) {
      if (!/^path\/not_found\//.test(dropboxErrorSummary(err))) {
        const mapped = mapDropboxError(err, `lookup of ${this.folderPath}`);
        if (mapped.kind === 'target-missing') return 'missing';
        throw mapped;
      }
    }
    try {
      await this.call(() => this.options.client.filesCreateFolderV2({ path: this.folderPath, autorename: false }), signal);
      return 'writable';
    } catch (err) {
      const summary = dropboxErrorSummary(err);
      if (/no_write_permission/.test(summary)) return 'denied';
      if (/^path\/conflict\/folder/.test(summary)) return 'writable';
      if (/^path\/conflict\/file/.test(summary)) return 'missing';
      throw mapDropboxError(err, `creation of ${this.folderPath}`);
    }
  }

  /** The file (or folder) called `name` in the target folder, or `undefined`. Rejects like `create`. */
  async stat(name: string, signal?: AbortSignal): Promise<EntryInfo | undefined> {
    const path = this.pathOf(name);
    try {
      const meta = (await this.call(() => this.options.client.filesGetMetadata({ path }), signal)).result;
      return toEntry(meta);
    } catch (err) {
      if (/^path\/not_found\//.test(dropboxErrorSummary(err))) return undefined;
      throw mapDropboxError(err, `lookup of ${path}`);
    }
  }

  /**
   * Uploads `content` as `name` unless the name is taken. Resolves `{created: false, existing}`
   * on a conflict (nothing written). Rejects with {@link PermissionDenied}
   * (`no_write_permission`), {@link PermanentError} (`insufficient_space`, `malformed_path`,
   * `disallowed_name`), {@link TransientError} (throttling with `retryAfterMs`, 5xx, network,
   * `content_hash_mismatch`: bytes damaged on the way), {@link AuthError} (token refused twice).
   */
  async create(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    const path = this.pathOf(name);
    const commit: files.CommitInfo = {
      path,
      mode: { '.tag': 'add' },
      autorename: false,
      // Identical content must also be reported as a conflict: the core decides what "identical" means.
      strict_conflict: true,
      mute: true,
      client_modified: dropboxTimestamp(options.modifiedAt),
    };
    try {
      const meta = content.size < this.options.config.uploadThreshold
        ? await this.uploadSmall(commit, content, options.signal)
        : await this.uploadSession(commit, content, options.signal);
      return { created: true, entry: toEntry({ '.tag': 'file', ...meta }) };
    } catch (err) {
      const summary = dropboxErrorSummary(err);
      // A file where a folder of the path should be: the target is missing (as check() says), not the name taken.
      if (/^path\/conflict\/file_ancestor\b/.test(summary)) {
        throw new TargetMissing(`A file stands where a folder of ${this.displayPath} should be.`, { cause: err });
      }
      if (/^path\/conflict\/(file|folder)\b/.test(summary)) {
        const existing = await this.stat(name, options.signal);
        return existing ? { created: false, existing } : { created: false };
      }
      throw mapDropboxError(err, `upload of ${path}`);
    }
  }

  private async uploadSmall(commit: files.CommitInfo, content: Content, signal?: AbortSignal): Promise<files.FileMetadata> {
    const bytes = await content.bytes();
    // Hashed from the very bytes sent: a `content_hash_mismatch` then can only mean damage on the way
    // (a TransientError), never a hash that disagrees with its content forever.
    const hash = dropboxContentHash(bytes);
    return (await this.call(() => this.options.client.filesUpload({ ...commit, contents: bytes, content_hash: hash }), signal)).result;
  }

  /**
   * start (first chunk) → append_v2 (each further chunk) → finish (commit). Appends and the finish
   * are retried within the session; `incorrect_offset` moves to the server's offset (data it has
   * is not sent again, data it lacks is sent again from the Content).
   */
  private async uploadSession(commit: files.CommitInfo, content: Content, signal?: AbortSignal): Promise<files.FileMetadata> {
    try {
      return await this.runSession(commit, content, signal);
    } catch (err) {
      // An expired or lost session is no reason to give the file up: the next attempt opens a new one.
      if (err instanceof SessionGone) throw new TransientError(err.message, { cause: err.cause });
      throw err;
    }
  }

  private async runSession(commit: files.CommitInfo, content: Content, signal?: AbortSignal): Promise<files.FileMetadata> {
    const { client, config } = this.options;
    const size = content.size;
    const first = await readRange(content, 0, Math.min(config.chunkSize, size), signal);
    // Every call carries the hash of its own bytes, so Dropbox refuses a chunk damaged on the way instead of
    // building it into the file.
    const sessionId = (await this.call(() => client.filesUploadSessionStart({ contents: first, content_hash: dropboxContentHash(first) }), signal)).result.session_id;
    let offset = first.length;
    const policy = { policy: SESSION_RETRY, ...(signal ? { signal } : {}), onRetry: (e: Error, attempt: number, delay: number) => this.options.logger.debug({ err: e.message, attempt, delay }, 'Dropbox upload session call retried') };
    let finishAttempts = 0;
    for (;;) {
      while (offset < size) {
        const start = offset;
        const end = Math.min(start + config.chunkSize, size);
        offset = await retrying(async () => {
          const bytes = await readRange(content, start, end, signal);
          try {
            await this.call(() => client.filesUploadSessionAppendV2({ cursor: { session_id: sessionId, offset: start }, contents: bytes, content_hash: dropboxContentHash(bytes) }), signal);
            return end;
          } catch (err) {
            const correct = incorrectOffset(err);
            if (correct !== undefined && correct <= size) return correct;
            if (sessionGone(err)) throw new SessionGone(`Dropbox no longer knows the upload session of ${commit.path} (${dropboxErrorSummary(err)}).`, { cause: err });
            throw mapDropboxError(err, `upload session append at ${start} for ${commit.path}`);
          }
        }, policy);
      }
      type FinishOutcome = { meta: files.FileMetadata } | { resumeAt: number } | { conflict: unknown };
      const outcome = await retrying<FinishOutcome>(async () => {
        const earlierTry = finishAttempts++ > 0;
        try {
          return { meta: (await this.call(() => client.filesUploadSessionFinish({ cursor: { session_id: sessionId, offset: size }, commit }), signal)).result };
        } catch (err) {
          const correct = incorrectOffset(err);
          if (correct !== undefined && correct < size) return { resumeAt: correct };
          // A finish whose reply was lost has committed: the session is gone and the file is there.
          if (earlierTry && /^lookup_failed\/not_found\//.test(dropboxErrorSummary(err))) {
            const mine = await this.committedCopy(commit.path, content, signal);
            if (mine) return { meta: mine };
          }
          // A conflict is an answer, not a failure: create() turns it into {created: false}.
          if (/^path\/conflict\//.test(dropboxErrorSummary(err))) return { conflict: err };
          if (sessionGone(err)) throw new SessionGone(`Dropbox no longer knows the upload session of ${commit.path} (${dropboxErrorSummary(err)}).`, { cause: err });
          throw mapDropboxError(err, `upload session finish for ${commit.path}`);
        }
      }, policy);
      if ('conflict' in outcome) throw outcome.conflict;
      if ('meta' in outcome) return outcome.meta;
      offset = outcome.resumeAt;
    }
  }

  /** The stored file at `path` when it holds exactly `content`, else `undefined`. */
  private async committedCopy(path: string, content: Content, signal?: AbortSignal): Promise<files.FileMetadata | undefined> {
    try {
      const meta = (await this.call(() => this.options.client.filesGetMetadata({ path }), signal)).result;
      return meta['.tag'] === 'file' && meta.content_hash === (await content.digest('dropbox')) ? meta : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Runs one SDK call. On 401 the token is invalidated at the broker and the call made once more;
   * a second 401 rejects with {@link AuthError}. The path root is resolved before the first call.
   */
  private async call<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    await this.ensurePathRoot();
    try {
      return await fn();
    } catch (err) {
      if (!isDropboxUnauthorized(err)) throw err;
      this.options.credentials.invalidate(this.request);
      signal?.throwIfAborted();
      try {
        return await fn();
      } catch (again) {
        if (isDropboxUnauthorized(again)) throw new AuthError(`Dropbox refused the access token twice (${dropboxErrorSummary(again) || 'HTTP 401'}).`, { cause: again });
        throw again;
      }
    }
  }

  /** For `pathRoot: team-root`, asks the account for its root namespace once. */
  private ensurePathRoot(): Promise<void> {
    if (this.options.config.pathRoot !== 'team-root') return Promise.resolve();
    this.pathRootReady ??= (async () => {
      const client = this.options.client as Dropbox & { pathRoot?: string };
      const saved = client.pathRoot;
      client.pathRoot = undefined;
      try {
        const account = (await this.options.client.usersGetCurrentAccount()).result;
        client.pathRoot = JSON.stringify({ '.tag': 'root', root: account.root_info.root_namespace_id });
      } catch (err) {
        client.pathRoot = saved;
        throw err;
      }
    })().catch((err: unknown) => {
      this.pathRootReady = undefined;
      if (isDropboxUnauthorized(err)) this.options.credentials.invalidate(this.request);
      throw err;
    });
    return this.pathRootReady;
  }

  private pathOf(name: string): string {
    return this.folderPath === '/' ? `/${name}` : `${this.folderPath}/${name}`;
  }
}

/**
 * The upload session is gone (expired after 7 days, closed, or unknown). A PermanentError inside
 * the session loop, so that `retrying` stops at once; turned into a TransientError for the engine.
 */
class SessionGone extends PermanentError {}

/** True for the session-lookup errors that mean the session cannot be continued. */
function sessionGone(err: unknown): boolean {
  return /^(lookup_failed\/)?(not_found|closed|not_closed)\//.test(dropboxErrorSummary(err));
}

/** Dropbox timestamps are ISO 8601 in UTC without fractions (`2026-11-28T14:46:13Z`). */
function dropboxTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

type Metadata = files.FileMetadataReference | files.FolderMetadataReference | files.DeletedMetadataReference;

function toEntry(meta: Metadata): EntryInfo {
  const name = meta.name;
  const path = `dropbox:${meta.path_display ?? meta.path_lower ?? name}`;
  if (meta['.tag'] !== 'file') return { name, path, size: 0 };
  return {
    name,
    path,
    size: meta.size,
    ...(meta.content_hash ? { hash: meta.content_hash } : {}),
    modifiedAt: new Date(meta.client_modified),
  };
}

