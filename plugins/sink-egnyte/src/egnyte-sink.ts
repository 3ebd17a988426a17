import {
  type Content,
  type CreateOptions,
  type CreateResult,
  type EntryInfo,
  type Logger,
  PermanentError,
  type RetryOptions,
  type RetryPolicy,
  type Sink,
  type SinkCapabilities,
  TargetMissing,
  type TargetAccess,
  TransientError,
  createHasher,
  retrying,
  accessFromError,
  toFilingSyncError,
} from '@filing-sync/core';
import type { ResolvedEgnyteConfig } from './egnyte-config.js';
import { type EgnyteChunk, type EgnyteClient, type EgnyteFileMetadata, type EgnyteFolderMetadata, type EgnyteUploadResult } from './egnyte-client.js';
import { EGNYTE_PATH_RULES } from './egnyte-path-rules.js';
import type { NameLocks } from './name-locks.js';

/** Egnyte's checksum kind: SHA-512, hex. */
const HASH_KIND = 'sha512';

/** Resuming an open chunked upload: a few quick tries per chunk, then the engine takes over. */
const CHUNK_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 5_000 };

/** Egnyte permission levels that may upload. */
const WRITERS = new Set(['owner', 'full', 'editor']);

/** Folders Egnyte keeps at the top of every domain; they cannot be created. */
const ROOT_DEPTH: Record<string, number> = { shared: 1, private: 2 };

/**
 * A folder in an Egnyte domain (`egnyte://acme/Shared/Projects/Surrey Court`).
 *
 * Egnyte has no "fail if exists" upload (an upload to a taken path adds a version), so `create`
 * looks the name up first and refuses when it is taken, holding a per-name lock in this process
 * meanwhile. Another process could still race it (`atomicCreate: false`); the tenant lease keeps
 * a second connector out. An upload becomes visible only when complete,
 * chunked ones after their last chunk, so readers never see part of a file.
 *
 * The target folder is made once and remembered; when Egnyte later says it is gone (deleted in the
 * web UI), it is forgotten and made again by the next `check` or `create`, without a restart.
 */
export class EgnyteSink implements Sink {
  readonly capabilities: SinkCapabilities;
  readonly folderPathLength: number;
  readonly displayPath: string;
  private folderReady: Promise<void> | undefined;

  constructor(
    private readonly client: EgnyteClient,
    /** Folder segments, e.g. `['Shared', 'Projects', 'Surrey Court']`. */
    private readonly folder: readonly string[],
    private readonly config: ResolvedEgnyteConfig,
    domain: string,
    private readonly logger: Logger,
    /** Per-path locks shared by all sinks of the domain (see {@link NameLocks}). */
    private readonly locks: NameLocks,
  ) {
    this.capabilities = {
      pathRules: EGNYTE_PATH_RULES,
      hashKind: HASH_KIND,
      atomicCreate: false,
      largeUploadThreshold: config.chunkedUploadThreshold,
      setsModifiedTime: true,
    };
    const folderPath = `/${folder.join('/')}/`;
    this.folderPathLength = Buffer.byteLength(folderPath, 'utf8');
    this.displayPath = `egnyte://${domain}${folderPath.slice(0, -1)}`;
  }

  /**
   * `writable` when the folder exists or could be created, `denied` when Egnyte refuses (403),
   * `missing` when its top folder does not exist. Reads the user's effective permission on the
   * folder: Viewer or None is `denied`. A folder made earlier and deleted since is made again
   * (`writable`). Rejects with AuthError / TransientError.
   */
  async check(signal?: AbortSignal): Promise<TargetAccess> {
    try {
      const ready = this.ensureFolder(signal);
      await ready;
      let permission: string;
      try {
        permission = await this.client.effectivePermission(this.folder, signal);
      } catch (err) {
        if (!(err instanceof TargetMissing)) throw err;
        // Made or found earlier, deleted since: make it again and ask once more.
        this.forgetFolder(ready);
        await this.ensureFolder(signal);
        permission = await this.client.effectivePermission(this.folder, signal);
      }
      return WRITERS.has(permission.toLowerCase()) ? 'writable' : 'denied';
    } catch (err) {
      return accessFromError(err);
    }
  }

  /** The file named `name` in the folder, with its SHA-512; `undefined` when there is none. */
  async stat(name: string, signal?: AbortSignal): Promise<EntryInfo | undefined> {
    const meta = await this.client.metadata([...this.folder, name], signal);
    return meta === undefined ? undefined : this.entry(name, meta);
  }

  /**
   * Creates missing folders, looks the name up, and uploads only when it is free: in one request
   * below the chunked-upload threshold, else in chunks with an upload id (each chunk retried a
   * few times on passing failures, re-reading its bytes). Resolves `{created: false}` when taken.
   * Look-up and upload of one name are serialised within the process, so concurrent creates of one
   * name write once. When Egnyte's reply to a finished upload does not describe the stored file, or
   * the reply to the last chunk is lost, the file is looked up (`GET /pubapi/v1/fs/{path}`) and
   * taken as written when its size and SHA-512 are the content's.
   * Rejects with {@link PermissionDenied}, {@link AuthError}, {@link TargetMissing} (the top folder is
   * missing), {@link TransientError} (throttling, 5xx, network, the target folder deleted meanwhile
   * (it is made again on the next attempt), an upload Egnyte finished without a file to show for it,
   * a chunk Egnyte refused when it was sent again (the next attempt starts the chunked upload over)),
   * {@link PermanentError} (a refused request, a stored file whose SHA-512 is not the content's).
   */
  async create(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    const { signal, modifiedAt } = options;
    const ready = this.ensureFolder(signal);
    await ready;
    const path = [...this.folder, name];
    try {
      // Egnyte paths are case-insensitive: one lock for every spelling of the name.
      return await this.locks.run(`/${path.join('/')}`.toLowerCase(), () => this.createLocked(path, name, content, modifiedAt, signal));
    } catch (err) {
      if (!(err instanceof TargetMissing)) throw err;
      // The folder made or found before is gone (deleted in Egnyte): forget it so the next attempt
      // makes it again, instead of every later filing failing until a restart.
      this.forgetFolder(ready);
      throw new TransientError(`The folder ${this.displayPath} disappeared while writing "${name}"; it is made again on the next attempt.`, { cause: err });
    }
  }

  private async createLocked(path: string[], name: string, content: Content, modifiedAt: Date, signal?: AbortSignal): Promise<CreateResult> {
    const existing = await this.client.metadata(path, signal);
    if (existing) return { created: false, existing: this.entry(name, existing) };
    const sha512 = await content.digest(HASH_KIND);
    const replied =
      content.size >= this.config.chunkedUploadThreshold
        ? await this.uploadChunked(path, content, sha512, modifiedAt, signal)
        : await this.client.upload(path, { length: content.size, sha512, modifiedAt, open: () => content.open() }, signal);
    // A finished upload whose reply does not describe the file: what is stored is the answer.
    const result = replied ?? (await this.storedFile(path, signal));
    if (result.checksum !== sha512) {
      throw new PermanentError(`Egnyte stored "${name}" with a different SHA-512 than was sent; the upload was damaged.`);
    }
    return {
      created: true,
      entry: { name, path: `/${path.join('/')}`, size: content.size, hash: result.checksum, modifiedAt },
    };
  }

  /**
   * Sends the chunks in order; resolves the stored file as the last chunk's reply describes it, or
   * `undefined` when that reply does not (the upload is finished all the same).
   */
  private async uploadChunked(path: string[], content: Content, sha512: string, modifiedAt: Date, signal?: AbortSignal): Promise<EgnyteUploadResult | undefined> {
    const size = content.size;
    const chunkSize = this.config.chunkSize;
    const count = Math.max(1, Math.ceil(size / chunkSize));
    let uploadId: string | undefined;
    for (let n = 1; n <= count; n++) {
      const range = { start: (n - 1) * chunkSize, end: Math.min(size, n * chunkSize) };
      const chunkSha512 = await hashRange(content, range);
      const chunk = { number: n, uploadId, last: n === count, length: range.end - range.start, sha512: chunkSha512, open: () => content.open(range) };
      // The first chunk opens the upload: failing it leaves nothing behind, so the engine retries it.
      if (n === 1) {
        const reply = await this.client.uploadChunk(path, chunk, modifiedAt, signal);
        if (chunk.last) return reply.file;
        uploadId = reply.uploadId;
      } else if (!chunk.last) {
        uploadId = (await this.sendMiddleChunk(path, chunk, modifiedAt, signal)).uploadId;
      } else {
        return this.sendLastChunk(path, chunk, size, sha512, modifiedAt, signal);
      }
    }
    throw new PermanentError(`Egnyte did not confirm the last chunk of "/${path.join('/')}".`);
  }

  /**
   * Sends a chunk before the last, retried within the upload on passing failures. When a resend is
   * refused (a 4xx: the earlier try may have arrived and its lost reply spent the upload id, or
   * Egnyte no longer knows the id), this upload cannot go on, but nothing is wrong with the file:
   * it becomes a {@link TransientError}, and the next attempt begins afresh from the first chunk,
   * which opens a new upload id.
   */
  private async sendMiddleChunk(path: string[], chunk: EgnyteChunk, modifiedAt: Date, signal?: AbortSignal): Promise<{ uploadId: string | undefined }> {
    try {
      return await retrying(async (attempt) => {
        try {
          return await this.client.uploadChunk(path, chunk, modifiedAt, signal);
        } catch (err) {
          const mapped = toFilingSyncError(err);
          // A refusal of the first try is the chunk's own fault and stays permanent.
          if (attempt > 1 && mapped.kind === 'permanent') {
            throw new ResendRefused(`Egnyte refused chunk ${chunk.number} of "/${path.join('/')}" when it was sent again (${mapped.message}); the next attempt starts the upload over from the first chunk.`, { cause: err });
          }
          throw mapped;
        }
      }, this.chunkRetry(chunk.number, signal));
    } catch (err) {
      if (err instanceof ResendRefused) {
        throw new TransientError(err.message, { cause: err.cause, action: 'Nothing: the next attempt uploads the file again from its first chunk, under a new upload id.' });
      }
      throw err;
    }
  }

  /**
   * Sends the last chunk, which finishes the upload, retried like the others. Before sending it
   * again, and when a repeat is refused, the path is looked up: if the earlier try finished the
   * upload (its reply was lost), the file is there with our size and SHA-512, and sending the spent
   * upload id again would be refused or add a version. A repeat refused while no such file is there
   * becomes a {@link TransientError}: the next attempt uploads the file afresh.
   */
  private sendLastChunk(
    path: string[],
    chunk: EgnyteChunk,
    size: number,
    sha512: string,
    modifiedAt: Date,
    signal?: AbortSignal,
  ): Promise<EgnyteUploadResult | undefined> {
    return retrying(async (attempt) => {
      if (attempt > 1) {
        const mine = await this.storedCopy(path, size, sha512, signal);
        if (mine) return mine;
      }
      try {
        return (await this.client.uploadChunk(path, chunk, modifiedAt, signal)).file;
      } catch (err) {
        const mapped = toFilingSyncError(err);
        // A passing failure is looked into before the next try (above).
        if (attempt === 1 || mapped.kind === 'transient') throw mapped;
        const mine = await this.storedCopy(path, size, sha512, signal);
        if (mine) return mine;
        if (mapped.kind !== 'permanent') throw mapped;
        throw new TransientError(`Egnyte refused the repeated last chunk of "/${path.join('/')}" and holds no such file; the next attempt uploads it afresh.`, { cause: err });
      }
    }, this.chunkRetry(chunk.number, signal));
  }

  /** How chunk `n` is sent again within the open upload: a few quick tries, logged. */
  private chunkRetry(n: number, signal?: AbortSignal): RetryOptions {
    return {
      policy: CHUNK_RETRY,
      ...(signal ? { signal } : {}),
      onRetry: (err, attempt, delayMs) => this.logger.warn({ chunk: n, attempt, delayMs, err: err.message }, 'Egnyte chunk failed; sending it again'),
    };
  }

  /** The file at `path` when its size and SHA-512 are the given ones, else `undefined`. Rejects like `stat`. */
  private async storedCopy(path: readonly string[], size: number, sha512: string, signal?: AbortSignal): Promise<EgnyteUploadResult | undefined> {
    const meta = await this.client.metadata(path, signal);
    if (!meta || meta.is_folder || meta.size !== size || meta.checksum?.toLowerCase() !== sha512) return undefined;
    return { checksum: sha512, entryId: meta.entry_id, groupId: meta.group_id };
  }

  /**
   * The file at `path` after an upload Egnyte finished without describing it. Rejects with a
   * {@link TransientError} when nothing is there (the next attempt looks again, then uploads).
   */
  private async storedFile(path: readonly string[], signal?: AbortSignal): Promise<EgnyteUploadResult> {
    const meta = await this.client.metadata(path, signal);
    if (meta && !meta.is_folder) return { checksum: (meta.checksum ?? '').toLowerCase(), entryId: meta.entry_id, groupId: meta.group_id };
    throw new TransientError(`Egnyte finished the upload of "/${path.join('/')}" without describing the file, and none is there yet.`);
  }

  /** Makes the target folder exist, once per sink: one lookup, then add_folder from the top down. */
  private ensureFolder(signal?: AbortSignal): Promise<void> {
    this.folderReady ??= this.createFolders(signal).catch((err: unknown) => {
      this.folderReady = undefined;
      throw err;
    });
    return this.folderReady;
  }

  /** Forgets the made folder (Egnyte said it is gone), unless another call has already done so. */
  private forgetFolder(ready: Promise<void>): void {
    if (this.folderReady === ready) this.folderReady = undefined;
  }

  private async createFolders(signal?: AbortSignal): Promise<void> {
    const meta = await this.client.metadata(this.folder, signal);
    if (meta?.is_folder) return;
    if (meta) throw new PermanentError(`"/${this.folder.join('/')}" is a file, not a folder.`);
    const rootDepth = ROOT_DEPTH[this.folder[0]!.toLowerCase()] ?? 1;
    for (let depth = rootDepth + 1; depth <= this.folder.length; depth++) {
      const result = await this.client.addFolder(this.folder.slice(0, depth), signal);
      if (result === 'created') this.logger.info({ folder: `/${this.folder.slice(0, depth).join('/')}` }, 'Created Egnyte folder');
    }
  }

  private entry(name: string, meta: EgnyteFileMetadata | EgnyteFolderMetadata): EntryInfo {
    if (meta.is_folder) return { name, path: meta.path, size: 0 };
    const modified = meta.last_modified ? new Date(meta.last_modified) : undefined;
    return {
      name: meta.name ?? name,
      path: meta.path,
      size: meta.size,
      hash: meta.checksum?.toLowerCase(),
      ...(modified && !Number.isNaN(modified.getTime()) ? { modifiedAt: modified } : {}),
    };
  }
}

/**
 * Egnyte refused a chunk sent again within an upload. A PermanentError inside the chunk's retry loop,
 * so that `retrying` stops at once (the spent upload id would be refused again); turned into a
 * TransientError for the engine.
 */
class ResendRefused extends PermanentError {}

/** SHA-512 of `[start, end)` of the content, hex. */
async function hashRange(content: Content, range: { start: number; end: number }): Promise<string> {
  const hasher = createHasher(HASH_KIND);
  for await (const chunk of content.open(range)) hasher.update(chunk as Buffer);
  return hasher.digest();
}
