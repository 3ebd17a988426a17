import {
  type Content,
  type CreateOptions,
  type CreateResult,
  type EntryInfo,
  type Logger,
  PermanentError,
  type RetryPolicy,
  type Sink,
  type SinkCapabilities,
  type TargetAccess,
  createHasher,
  retrying,
  accessFromError,
} from '@filing-sync/core';
import type { ResolvedEgnyteConfig } from './egnyte-config.js';
import { type EgnyteClient, type EgnyteFileMetadata, type EgnyteFolderMetadata, type EgnyteUploadResult } from './egnyte-client.js';
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
   * folder: Viewer or None is `denied`. Rejects with AuthError / TransientError.
   */
  async check(signal?: AbortSignal): Promise<TargetAccess> {
    try {
      await this.ensureFolder(signal);
      const permission = (await this.client.effectivePermission(this.folder, signal)).toLowerCase();
      return WRITERS.has(permission) ? 'writable' : 'denied';
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
   * name write once.
   */
  async create(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    const { signal, modifiedAt } = options;
    await this.ensureFolder(signal);
    const path = [...this.folder, name];
    // Egnyte paths are case-insensitive: one lock for every spelling of the name.
    return this.locks.run(`/${path.join('/')}`.toLowerCase(), () => this.createLocked(path, name, content, modifiedAt, signal));
  }

  private async createLocked(path: string[], name: string, content: Content, modifiedAt: Date, signal?: AbortSignal): Promise<CreateResult> {
    const existing = await this.client.metadata(path, signal);
    if (existing) return { created: false, existing: this.entry(name, existing) };
    const sha512 = await content.digest(HASH_KIND);
    const result =
      content.size >= this.config.chunkedUploadThreshold
        ? await this.uploadChunked(path, content, modifiedAt, signal)
        : await this.client.upload(path, { length: content.size, sha512, modifiedAt, open: () => content.open() }, signal);
    if (result.checksum !== sha512) {
      throw new PermanentError(`Egnyte stored "${name}" with a different SHA-512 than was sent; the upload was damaged.`);
    }
    return {
      created: true,
      entry: { name, path: `/${path.join('/')}`, size: content.size, hash: result.checksum, modifiedAt },
    };
  }

  private async uploadChunked(path: string[], content: Content, modifiedAt: Date, signal?: AbortSignal): Promise<EgnyteUploadResult> {
    const size = content.size;
    const chunkSize = this.config.chunkSize;
    const count = Math.max(1, Math.ceil(size / chunkSize));
    let uploadId: string | undefined;
    for (let n = 1; n <= count; n++) {
      const range = { start: (n - 1) * chunkSize, end: Math.min(size, n * chunkSize) };
      const sha512 = await hashRange(content, range);
      const chunk = { number: n, uploadId, last: n === count, length: range.end - range.start, sha512, open: () => content.open(range) };
      // The first chunk opens the upload: failing it leaves nothing behind, so the engine retries it.
      const reply = n === 1
        ? await this.client.uploadChunk(path, chunk, modifiedAt, signal)
        : await retrying(() => this.client.uploadChunk(path, chunk, modifiedAt, signal), {
            policy: CHUNK_RETRY,
            signal,
            onRetry: (err, attempt, delayMs) =>
              this.logger.warn({ chunk: n, attempt, delayMs, err: err.message }, 'Egnyte chunk failed; sending it again'),
          });
      uploadId = reply.uploadId;
      if (reply.file) return reply.file;
    }
    throw new PermanentError(`Egnyte did not confirm the last chunk of "/${path.join('/')}".`);
  }

  /** Makes the target folder exist, once per sink: one lookup, then add_folder from the top down. */
  private ensureFolder(signal?: AbortSignal): Promise<void> {
    this.folderReady ??= this.createFolders(signal).catch((err: unknown) => {
      this.folderReady = undefined;
      throw err;
    });
    return this.folderReady;
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

/** SHA-512 of `[start, end)` of the content, hex. */
async function hashRange(content: Content, range: { start: number; end: number }): Promise<string> {
  const hasher = createHasher(HASH_KIND);
  for await (const chunk of content.open(range)) hasher.update(chunk as Buffer);
  return hasher.digest();
}
