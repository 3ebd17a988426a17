import {
  type Content,
  type CreateOptions,
  type CreateResult,
  type EntryInfo,
  type Logger,
  type MessageSummary,
  PermanentError,
  PermissionDenied,
  type RetryPolicy,
  type Sink,
  type SinkCapabilities,
  type TargetAccess,
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
 * A ProjectWise folder (`projectwise://server/repository/Projects/Surrey Court`) through WSG 2.x.
 * Folder ids are resolved by walking `ParentGuid` from the top, created where missing, and kept.
 * WSG refuses a second document of the same name (409), so `create` is no-clobber even under
 * concurrent writers.
 */
export class ProjectWiseSink implements Sink {
  readonly capabilities: SinkCapabilities;
  readonly folderPathLength: number;
  readonly displayPath: string;
  private folderId: Promise<string> | undefined;

  constructor(
    private readonly client: WsgClient,
    private readonly folder: readonly string[],
    private readonly config: ResolvedProjectWiseConfig,
    display: string,
    /** Folder ids already resolved, shared by the factory's sinks: path key → guid. */
    private readonly folderIds: Map<string, string>,
    private readonly logger: Logger,
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
   * `writable` when the folder exists or was created, `denied` when creating it is refused,
   * `missing` when the repository does not exist. WSG offers no permission probe, so a read-only
   * existing folder shows up as PermissionDenied on the first write.
   */
  async check(signal?: AbortSignal): Promise<TargetAccess> {
    try {
      await this.ensureFolder(signal);
      return 'writable';
    } catch (err) {
      return accessFromError(err);
    }
  }

  /** The document whose name or file name is `name`, with the SHA-256 of its file (streamed). */
  async stat(name: string, signal?: AbortSignal): Promise<EntryInfo | undefined> {
    const folderGuid = await this.existingFolder(signal);
    if (!folderGuid) return undefined;
    const doc = await this.client.findDocument(folderGuid, name, signal);
    return doc ? this.entry(doc, signal) : undefined;
  }

  /**
   * Creates missing folders, then the document with name, file name and description (subject,
   * from, sent time): with its file in one request below the threshold, else created first and
   * its `$file` sent in chunks (each resent a few times; the document is deleted if it cannot be
   * completed). `{created: false}` when WSG reports the name taken.
   */
  async create(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    const { signal } = options;
    if (name.length > PROJECTWISE_PATH_RULES.maxSegmentLength) {
      throw new PermanentError(`"${name}" is longer than ProjectWise's ${PROJECTWISE_PATH_RULES.maxSegmentLength} characters.`);
    }
    const folderGuid = await this.ensureFolder(signal);
    const properties = { Name: name, FileName: name, Description: describe(options.message, options.modifiedAt) };
    const large = content.size >= this.config.chunkedUploadThreshold;
    const made = large
      ? await this.client.createDocument(folderGuid, properties, signal)
      : await this.client.createDocumentWithFile(folderGuid, properties, () => content.bytes(), signal);
    if (made === 'conflict') {
      const existing = await this.stat(name, signal);
      return existing ? { created: false, existing } : { created: false };
    }
    if (large) await this.sendChunks(made.instanceId, name, content, signal);
    return {
      created: true,
      entry: { name, path: this.pathOf(name), size: content.size, hash: await content.digest(HASH_KIND) },
    };
  }

  private async sendChunks(documentId: string, fileName: string, content: Content, signal?: AbortSignal): Promise<void> {
    const total = content.size;
    const size = this.config.chunkSize;
    try {
      for (let start = 0; start < total || (total === 0 && start === 0); start += size) {
        const range = { start, end: Math.min(total, start + size) };
        await retrying(
          () => this.client.putFileChunk(documentId, { ...range, total, fileName, open: () => content.open(range) }, signal),
          { policy: CHUNK_RETRY, signal, onRetry: (err, attempt) => this.logger.warn({ start, attempt, err: err.message }, 'ProjectWise chunk failed; sending it again') },
        );
        if (total === 0) break;
      }
    } catch (err) {
      // Leave no document without its file behind.
      await this.client.deleteDocument(documentId).catch((e: unknown) =>
        this.logger.error({ documentId, err: (e as Error).message }, 'Could not delete an incomplete ProjectWise document'),
      );
      throw err;
    }
  }

  /** The folder's guid, creating missing folders; resolved once per sink. */
  private ensureFolder(signal?: AbortSignal): Promise<string> {
    this.folderId ??= this.resolve(true, signal).then((g) => g!);
    this.folderId.catch(() => (this.folderId = undefined));
    return this.folderId;
  }

  /** The folder's guid if it exists (no creation). */
  private async existingFolder(signal?: AbortSignal): Promise<string | undefined> {
    return this.folderId ? this.folderId : this.resolve(false, signal);
  }

  /** Walks the folder path from the top by `ParentGuid`, using and filling the id cache. */
  private async resolve(createMissing: boolean, signal?: AbortSignal): Promise<string | undefined> {
    let parent: string | null = null;
    for (let depth = 1; depth <= this.folder.length; depth++) {
      const key = this.folder.slice(0, depth).map((s) => s.toLowerCase()).join('/');
      let guid = this.folderIds.get(key);
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

  private async entry(doc: WsgInstance<PwDocumentProperties>, signal?: AbortSignal): Promise<EntryInfo> {
    const p = doc.properties;
    const hash = await hashStream(await this.client.download(doc.instanceId, signal), HASH_KIND);
    const modified = p.FileUpdateTime ? new Date(p.FileUpdateTime) : undefined;
    return {
      name: p.Name,
      path: this.pathOf(p.Name),
      size: p.FileSize ?? 0,
      hash,
      ...(modified && !Number.isNaN(modified.getTime()) ? { modifiedAt: modified } : {}),
    };
  }

  private pathOf(name: string): string {
    return `${this.displayPath}/${name}`;
  }
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
