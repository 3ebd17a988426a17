import { randomBytes } from 'node:crypto';
import {
  type Content,
  type CreateOptions,
  type CreateResult,
  type EntryInfo,
  type Logger,
  type MessageSummary,
  PermanentError,
  type RetryPolicy,
  type Sink,
  type SinkCapabilities,
  type TargetAccess,
  TargetMissing,
  TransientError,
  cutToLength,
  hashStream,
  retrying,
  accessFromError,
} from '@filing-sync/core';
import type { ResolvedProjectWiseConfig } from './projectwise-config.js';
import { PROJECTWISE_PATH_RULES } from './projectwise-path-rules.js';
import type { PwDocumentProperties, WsgClient, WsgInstance } from './wsg-client.js';

/** ProjectWise stores no content hash; the sink hashes a stored file (streamed) when a name is taken. */
const HASH_KIND = 'sha256';
/** Resending one `$file` chunk of an open upload: a few quick tries, then clean up. */
const CHUNK_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 5_000 };
/** Longest description written (ProjectWise's description column). */
const MAX_DESCRIPTION = 255;
/**
 * Names of the partial documents a large upload goes through: `.<name>.<16 hex>.partial`, as the
 * filesystem sink names its partial files. The hex part starts with the installation's id.
 */
const PARTIAL_DOCUMENT_PATTERN = /^\..+\.[0-9a-f]{16}\.partial$/;
const PARTIAL_SUFFIX_LENGTH = '.0123456789abcdef.partial'.length;
/**
 * Longest wait for one clean-up call (finding or deleting a partial document, checking a rename).
 * They run without the write's signal, so that an aborted write still cleans up, but must not hold
 * a stopping connector for the whole request timeout: what they miss, `recover` removes later.
 */
const CLEANUP_TIMEOUT_MS = 30_000;

/**
 * A ProjectWise folder (`projectwise://server/repository/Projects/Surrey Court`) through WSG 2.x.
 * Folder ids are resolved by walking `ParentGuid` from the top, created where missing, and kept
 * until WSG says the folder is gone. WSG refuses a second document of the same name (409), so
 * `create` is no-clobber even under concurrent writers; a large file is uploaded under a partial
 * name and renamed when whole, so a reader never sees part of it under its final name.
 */
export class ProjectWiseSink implements Sink {
  readonly capabilities: SinkCapabilities;
  readonly folderPathLength: number;
  readonly displayPath: string;
  /** The target folder's guid as being resolved or resolved; `undefined` until first needed or after it was found gone. */
  private folderId: Promise<string> | undefined;
  /** The guid `folderId` resolved to, so a sink forgets only the id it found dead. */
  private folderGuid: string | undefined;

  constructor(
    private readonly client: WsgClient,
    private readonly folder: readonly string[],
    private readonly config: ResolvedProjectWiseConfig,
    display: string,
    /** Folder ids already resolved, shared by the factory's sinks: path key → guid. */
    private readonly folderIds: Map<string, string>,
    private readonly logger: Logger,
    /**
     * 8 hex digits of this connector installation (`SinkContext.instanceId`): they start the hex
     * part of partial names, so `recover` removes this installation's own leftovers at once.
     */
    private readonly instanceId?: string,
  ) {
    this.capabilities = {
      pathRules: PROJECTWISE_PATH_RULES,
      hashKind: HASH_KIND,
      atomicCreate: true,
      largeUploadThreshold: config.chunkedUploadThreshold,
      setsModifiedTime: false,
    };
    this.folderPathLength = `/${folder.join('/')}/`.length;
    this.displayPath = display;
  }

  /**
   * Walks the folder path afresh (not from the id cache, so a folder deleted or moved since is
   * noticed), creating missing folders, and refreshes the cache: `writable` when the folder exists
   * or was created, `denied` when creating it is refused, `missing` when the repository does not
   * exist. WSG offers no permission probe, so a read-only existing folder shows up as
   * PermissionDenied on the first write. Rejects with AuthError or TransientError as the calls do.
   */
  async check(signal?: AbortSignal): Promise<TargetAccess> {
    try {
      const guid = (await this.resolve(true, signal, true))!;
      this.folderId = Promise.resolve(guid);
      this.folderGuid = guid;
      return 'writable';
    } catch (err) {
      return accessFromError(err);
    }
  }

  /**
   * The document whose name or file name is `name`, with the SHA-256 of its file (streamed), or
   * `undefined`. A document without a readable file is reported without a hash, so it never counts
   * as identical. A look-up answered with TargetMissing under a cached folder id forgets that id
   * and looks again once. Rejects like {@link ProjectWiseSink.create}.
   */
  async stat(name: string, signal?: AbortSignal): Promise<EntryInfo | undefined> {
    for (let attempt = 1; ; attempt++) {
      const folderGuid = await this.existingFolder(signal);
      if (!folderGuid) return undefined;
      try {
        return await this.findIn(folderGuid, name, signal);
      } catch (err) {
        if (attempt > 1 || !(err instanceof TargetMissing)) throw err;
        this.forgetFolder(folderGuid);
      }
    }
  }

  /**
   * Creates missing folders, then the document with name, file name and description (subject,
   * from, sent time). Below the threshold: with its file in one request. At or above it: a look-up
   * first (a taken name costs no upload), then a document under a partial name
   * (`.<name>.<hex>.partial`), its `$file` sent in chunks (each resent a few times), then renamed to
   * `name` without replacing; on any failure the partial document is deleted (best effort;
   * `recover` removes what a killed process left). `{created: false}` when the name is taken,
   * at creation or at the rename. When WSG answers TargetMissing under a cached folder id (the
   * folder was deleted), the cached ids of this path are dropped and the folder is resolved, or
   * created, again once.
   *
   * Rejects with PermanentError for a name longer than 127 characters or one WSG refuses,
   * PermissionDenied when writing is refused, TargetMissing when the repository or folder cannot
   * be found even after resolving it again, AuthError, and TransientError for passing failures.
   */
  async create(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    if (name.length > PROJECTWISE_PATH_RULES.maxSegmentLength) {
      throw new PermanentError(`"${name}" is longer than ProjectWise's ${PROJECTWISE_PATH_RULES.maxSegmentLength} characters.`, {
        action: 'Shorten the naming template or the target folder path.',
      });
    }
    for (let attempt = 1; ; attempt++) {
      const folderGuid = await this.ensureFolder(options.signal);
      try {
        return await this.createIn(folderGuid, name, content, options);
      } catch (err) {
        if (attempt > 1 || !(err instanceof TargetMissing)) throw err;
        this.forgetFolder(folderGuid);
      }
    }
  }

  /**
   * Removes partial documents (`.<name>.<hex>.partial`) an interrupted large upload left in the
   * target folder: this installation's own at once (the engine calls this before it writes here),
   * another's only when its last change is older than `partialMaxAgeMinutes`, so an upload still in
   * progress elsewhere is left alone. A folder that does not exist holds none. Resolves with how
   * many it removed; a document it cannot delete is logged and left. Rejects (typed like every
   * call) only when the folder cannot be looked up or listed.
   */
  async recover(signal?: AbortSignal): Promise<number> {
    const folderGuid = await this.existingFolder(signal);
    if (!folderGuid) return 0;
    const now = Date.now();
    let removed = 0;
    for (const doc of await this.client.listDocuments(folderGuid, signal)) {
      const name = doc.properties.Name;
      if (!PARTIAL_DOCUMENT_PATTERN.test(name)) continue;
      const own = this.ownMark() !== undefined && name.slice(-PARTIAL_SUFFIX_LENGTH + 1).startsWith(this.ownMark()!);
      if (!own) {
        const changed = lastChange(doc.properties);
        // Without a time it may be an upload in progress: leave it.
        if (changed === undefined || now - changed < this.config.partialMaxAgeMs) continue;
      }
      try {
        await this.client.deleteDocument(doc.instanceId, signal);
        removed++;
      } catch (err) {
        this.logger.warn({ document: name, err: (err as Error).message }, 'Could not remove a stray ProjectWise partial document');
      }
    }
    if (removed > 0) this.logger.info({ folder: this.displayPath, removed }, 'Removed stray ProjectWise partial documents');
    return removed;
  }

  /** One try of {@link ProjectWiseSink.create} in a resolved folder. */
  private async createIn(folderGuid: string, name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    const { signal } = options;
    const description = describe(options.message, options.modifiedAt);
    if (content.size < this.config.chunkedUploadThreshold) {
      const made = await this.client.createDocumentWithFile(folderGuid, { Name: name, FileName: name, Description: description }, () => content.bytes(), signal);
      if (made === 'conflict') return this.taken(folderGuid, name, signal);
      return this.created(name, content);
    }
    const existing = await this.findIn(folderGuid, name, signal);
    if (existing) return { created: false, existing };
    return this.createLarge(folderGuid, name, description, content, signal);
  }

  /**
   * A large file: partial document, chunks, rename without replacing. Whatever fails, the partial
   * document is deleted before the error is passed on, unless the rename is known to have happened.
   */
  private async createLarge(folderGuid: string, name: string, description: string, content: Content, signal?: AbortSignal): Promise<CreateResult> {
    const partial = this.partialNameFor(name);
    let documentId: string | undefined;
    let published: boolean;
    try {
      try {
        const made = await this.client.createDocument(folderGuid, { Name: partial, FileName: partial, Description: description }, signal);
        // 16 hex digits, 8 of them random, in a name only this sink makes: taken means another try picks another.
        if (made === 'conflict') throw new TransientError(`ProjectWise already holds a partial document named "${partial}" in ${this.displayPath}.`);
        documentId = made.instanceId;
      } catch (err) {
        // The reply may have been lost after WSG made the document: find it by its unique name.
        if (err instanceof TransientError) {
          documentId = (await this.client.findDocument(folderGuid, partial, AbortSignal.timeout(CLEANUP_TIMEOUT_MS)).catch(() => undefined))?.instanceId;
        }
        throw err;
      }
      await this.sendChunks(documentId, partial, content, signal);
      published = await this.publish(folderGuid, documentId, name, signal);
    } catch (err) {
      if (documentId) await this.discard(documentId, partial);
      throw err;
    }
    if (!published) {
      await this.discard(documentId, partial);
      return this.taken(folderGuid, name, signal);
    }
    return this.created(name, content);
  }

  /** Sends the file in `chunkSize` pieces with `Content-Range`, each resent a few times. */
  private async sendChunks(documentId: string, fileName: string, content: Content, signal?: AbortSignal): Promise<void> {
    const total = content.size;
    const size = this.config.chunkSize;
    for (let start = 0; start < total || (total === 0 && start === 0); start += size) {
      const range = { start, end: Math.min(total, start + size) };
      await retrying(
        () => this.client.putFileChunk(documentId, { ...range, total, fileName, open: () => content.open(range) }, signal),
        { policy: CHUNK_RETRY, signal, onRetry: (err, attempt) => this.logger.warn({ start, attempt, err: err.message }, 'ProjectWise chunk failed; sending it again') },
      );
      if (total === 0) break;
    }
  }

  /**
   * Renames the whole partial document to `name`; false when the name is taken (WSG never
   * replaces). A failed rename whose reply may have been lost (TransientError, also an abort) is
   * checked by looking the name up: if it is this document, the rename happened. Rejects with the
   * rename's error otherwise.
   */
  private async publish(folderGuid: string, documentId: string, name: string, signal?: AbortSignal): Promise<boolean> {
    try {
      return (await this.client.renameDocument(documentId, name, signal)) === 'renamed';
    } catch (err) {
      if (!(err instanceof TransientError)) throw err;
      const holder = await this.client.findDocument(folderGuid, name, AbortSignal.timeout(CLEANUP_TIMEOUT_MS)).catch(() => undefined);
      if (holder?.instanceId === documentId) return true;
      throw err;
    }
  }

  /**
   * Deletes a partial document; never rejects: one already gone is fine, any other failure is
   * logged (`recover` removes it later).
   */
  private async discard(documentId: string, partial: string): Promise<void> {
    try {
      // Not the write's signal: an aborted write must still clean up after itself.
      await this.client.deleteDocument(documentId, AbortSignal.timeout(CLEANUP_TIMEOUT_MS));
    } catch (err) {
      if (err instanceof TargetMissing) return;
      this.logger.error({ documentId, document: partial, err: (err as Error).message }, 'Could not delete an incomplete ProjectWise document; recover() removes it later');
    }
  }

  /** `{created: false}` with whatever holds `name` now. */
  private async taken(folderGuid: string, name: string, signal?: AbortSignal): Promise<CreateResult> {
    const existing = await this.findIn(folderGuid, name, signal);
    return existing ? { created: false, existing } : { created: false };
  }

  private async created(name: string, content: Content): Promise<CreateResult> {
    return { created: true, entry: { name, path: this.pathOf(name), size: content.size, hash: await content.digest(HASH_KIND) } };
  }

  private async findIn(folderGuid: string, name: string, signal?: AbortSignal): Promise<EntryInfo | undefined> {
    const doc = await this.client.findDocument(folderGuid, name, signal);
    return doc ? this.entry(doc, signal) : undefined;
  }

  /**
   * `.<name>.<16 hex>.partial`, the hex being this installation's id then random digits, the name
   * cut so the partial name still fits ProjectWise's 127 characters.
   */
  private partialNameFor(name: string): string {
    const room = PROJECTWISE_PATH_RULES.maxSegmentLength - '.'.length - PARTIAL_SUFFIX_LENGTH;
    const random = randomBytes(8).toString('hex');
    const mark = this.ownMark() !== undefined ? this.ownMark()! + random.slice(8) : random;
    return `.${cutToLength(name, room, PROJECTWISE_PATH_RULES.lengthUnit)}.${mark}.partial`;
  }

  private ownMark(): string | undefined {
    return this.instanceId !== undefined && /^[0-9a-f]{8}$/.test(this.instanceId) ? this.instanceId : undefined;
  }

  /** The folder's guid, creating missing folders; resolved once per sink until found gone. */
  private ensureFolder(signal?: AbortSignal): Promise<string> {
    if (!this.folderId) {
      const lookup = this.resolve(true, signal).then((g) => {
        if (this.folderId === lookup) this.folderGuid = g!;
        return g!;
      });
      this.folderId = lookup;
      lookup.catch(() => {
        if (this.folderId === lookup) this.folderId = undefined;
      });
    }
    return this.folderId;
  }

  /** The folder's guid if it exists (no creation). */
  private async existingFolder(signal?: AbortSignal): Promise<string | undefined> {
    return this.folderId ? this.folderId : this.resolve(false, signal);
  }

  /**
   * WSG said the folder `deadGuid` is not there (deleted, or a level above it): drops this path's
   * ids from the sink and the shared cache, unless someone has resolved them afresh meanwhile.
   */
  private forgetFolder(deadGuid: string): void {
    this.logger.warn({ folder: this.displayPath }, 'The ProjectWise folder is gone; resolving it again');
    if (this.folderGuid === deadGuid) {
      this.folderId = undefined;
      this.folderGuid = undefined;
    }
    if (this.folderIds.get(this.keyAt(this.folder.length)) === deadGuid) {
      // Which level was deleted is unknown: every level of the path is looked up again.
      for (let depth = 1; depth <= this.folder.length; depth++) this.folderIds.delete(this.keyAt(depth));
    }
  }

  /**
   * Walks the folder path from the top by `ParentGuid`, filling the id cache; `fresh` ignores what
   * the cache holds (to notice a folder deleted or moved since).
   */
  private async resolve(createMissing: boolean, signal?: AbortSignal, fresh = false): Promise<string | undefined> {
    let parent: string | null = null;
    for (let depth = 1; depth <= this.folder.length; depth++) {
      const key = this.keyAt(depth);
      let guid = fresh ? undefined : this.folderIds.get(key);
      if (!guid) {
        const name = this.folder[depth - 1]!;
        const found = await this.client.findProject(parent, name, signal);
        if (found) guid = found.instanceId;
        else if (!createMissing) return undefined;
        else {
          const made = await this.client.createProject(parent, name, signal);
          guid = made === 'conflict' ? (await this.client.findProject(parent, name, signal))?.instanceId : made.instanceId;
          if (!guid) throw new PermanentError(`ProjectWise folder "${name}" could neither be found nor created.`);
          this.logger.info({ folder: this.folder.slice(0, depth).join('/') }, 'Created ProjectWise folder');
        }
        this.folderIds.set(key, guid);
      }
      parent = guid;
    }
    return parent ?? undefined;
  }

  /** Cache key of the first `depth` folder levels (case-insensitive, as ProjectWise names are). */
  private keyAt(depth: number): string {
    return this.folder.slice(0, depth).map((s) => s.toLowerCase()).join('/');
  }

  /** A stored document as {@link EntryInfo}; no hash when its file cannot be read (no file, or an incomplete one). */
  private async entry(doc: WsgInstance<PwDocumentProperties>, signal?: AbortSignal): Promise<EntryInfo> {
    const p = doc.properties;
    let hash: string | undefined;
    try {
      hash = await hashStream(await this.client.download(doc.instanceId, signal), HASH_KIND);
    } catch (err) {
      // A document without its file (as an older version of this sink could leave one) must not
      // hold filings pending forever: without a hash it counts as different, so placement writes
      // a " (2)" beside it.
      if (!(err instanceof TargetMissing)) throw err;
    }
    const modified = p.FileUpdateTime ? new Date(p.FileUpdateTime) : undefined;
    return {
      name: p.Name,
      path: this.pathOf(p.Name),
      size: p.FileSize ?? 0,
      ...(hash !== undefined ? { hash } : {}),
      ...(modified && !Number.isNaN(modified.getTime()) ? { modifiedAt: modified } : {}),
    };
  }

  private pathOf(name: string): string {
    return `${this.displayPath}/${name}`;
  }
}

/** The newest of the document's change times, in ms; `undefined` when it reports none. */
function lastChange(p: PwDocumentProperties): number | undefined {
  const times = [p.UpdateTime, p.FileUpdateTime, p.CreateTime].map((t) => (t ? Date.parse(t) : Number.NaN)).filter((t) => !Number.isNaN(t));
  return times.length > 0 ? Math.max(...times) : undefined;
}

/**
 * `Subject: …; From: Name <address>; Sent: 2026-11-28T14:46:13Z`, at most 255 characters: the
 * subject is cut first (then the sender), so the sent time is always there.
 */
export function describe(message: MessageSummary | undefined, sentAt: Date): string {
  const clean = (t: string) => Array.from(t.replace(/[\u0000-\u001f\u007f]/g, ' '));
  const cut = (chars: string[], max: number) => (chars.length <= max ? chars.join('') : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`);
  const parsed = message?.sentAt ? new Date(message.sentAt) : sentAt;
  const sent = `Sent: ${(Number.isNaN(parsed.getTime()) ? sentAt : parsed).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  const from = message?.from;
  const fromText = from?.name || from?.address ? `From: ${cut(clean([from.name, from.address ? `<${from.address}>` : ''].filter(Boolean).join(' ')), 120)}` : '';
  const tail = [fromText, sent].filter(Boolean).join('; ');
  if (!message?.subject) return tail;
  const room = MAX_DESCRIPTION - Array.from(tail).length - '; '.length - 'Subject: '.length;
  return room > 0 ? `Subject: ${cut(clean(message.subject), room)}; ${tail}` : tail;
}
