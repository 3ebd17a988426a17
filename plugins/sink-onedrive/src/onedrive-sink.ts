import { randomUUID } from 'node:crypto';
import {
  PermanentError,
  PermissionDenied,
  TargetMissing,
  TransientError,
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
import type { ResolvedOneDriveConfig } from './config.js';
import { DRIVE_ITEM_SELECT, toEntry, type DriveItem } from './drive-item.js';
import type { DriveResolver, DriveTarget, ResolvedDrive } from './drive-location.js';
import type { FolderCache } from './folder-cache.js';
import type { GraphApi } from './graph-api.js';
import { isGraphStatus } from './graph-errors.js';
import { GRAPH_PATH_RULES } from './path-rules.js';
import { uploadBySession } from './upload-session.js';
import { GRAPH_MAX_FILE_SIZE } from './graph-constants.js';

export { GRAPH_MAX_FILE_SIZE } from './graph-constants.js';

/**
 * Characters kept for the drive root's server-relative path until the drive is resolved: a OneDrive
 * for Business root is `/personal/<user principal name>/Documents`, about 133 characters for the
 * longest user name Entra ID allows, so 150 leaves room for any OneDrive root and most site and
 * library addresses.
 * @public
 */
export const UNRESOLVED_ROOT_PATH_LENGTH = 150;

/** What an {@link OneDriveSink} is made of; built by the factory. */
export interface OneDriveSinkParts {
  graph: GraphApi;
  resolver: DriveResolver;
  folders: FolderCache;
  target: DriveTarget;
  config: ResolvedOneDriveConfig;
  logger: Logger;
}

/**
 * A folder in OneDrive or a SharePoint document library, written through Microsoft Graph.
 * `create` never replaces: small files go up in one `PUT …/content` with conflict behaviour
 * `fail`, large ones through an upload session with conflict behaviour `fail`; either way the
 * file appears whole or not at all. Existing names are reported with their `quickXorHash` so the
 * core's placement can tell identical content from a collision.
 * @public
 */
export class OneDriveSink implements Sink {
  readonly capabilities: SinkCapabilities;
  readonly displayPath: string;
  /** The drive root's server-relative path once the drive is resolved (see {@link folderPathLength}). */
  private rootPath: string | undefined;
  private resolved: Promise<ResolvedDrive> | undefined;

  constructor(private readonly parts: OneDriveSinkParts) {
    this.capabilities = {
      pathRules: GRAPH_PATH_RULES,
      hashKind: 'quickxor',
      maxFileSize: GRAPH_MAX_FILE_SIZE,
      atomicCreate: true,
      largeUploadThreshold: parts.config.largeUploadThreshold,
      setsModifiedTime: true,
    };
    const t = parts.target;
    const folder = t.folder.join('/');
    if (t.kind === 'sharepoint') {
      this.displayPath = `https://${t.host}${t.sitePath === '/' ? '' : t.sitePath}/${[t.library, ...t.folder].join('/')}`;
    } else {
      this.displayPath = t.kind === 'me' ? `onedrive:/${folder}` : `onedrive://${t.driveId}/${folder}`;
    }
  }

  /**
   * Length of the target folder as SharePoint counts it for its 400-character limit: the decoded
   * server-relative path, `/personal/<user>/Documents/<folder>/` or
   * `/sites/<site>/<library URL name>/<folder>/`. Exact once the drive is resolved (by `check`,
   * `stat` or `create`), taken from the drive's or library's `webUrl`; before that a conservative
   * estimate that keeps {@link UNRESOLVED_ROOT_PATH_LENGTH} characters for the root (or, for
   * `sharepoint://`, the site and library as typed plus that much, as the typed name may be the
   * shorter display name). Never throws.
   */
  get folderPathLength(): number {
    const t = this.parts.target;
    const folder = `/${t.folder.map((s) => `${s}/`).join('')}`;
    if (this.rootPath !== undefined) return this.rootPath.length + folder.length;
    const typed = t.kind === 'sharepoint' ? `${t.sitePath === '/' ? '' : t.sitePath}/${t.library}`.length : 0;
    return typed + UNRESOLVED_ROOT_PATH_LENGTH + folder.length;
  }

  /**
   * Resolves the drive, finds or creates the target folder, and proves that a file may be added
   * there by opening an upload session for a probe name and cancelling it at once (nothing is
   * stored, nothing lands in the recycle bin): `writable`, `denied` when Graph refuses (403),
   * `missing` when the site, library or drive does not exist. A remembered folder id that turns
   * out stale (the folder or one above it was deleted) is forgotten and the folder recreated, so
   * that is `writable` too. Rejects with AuthError or TransientError like {@link create}
   * (TransientError also when the folder vanishes again while it is being checked).
   */
  async check(signal?: AbortSignal): Promise<TargetAccess> {
    try {
      const drive = await this.drive(signal);
      const { graph, folders } = this.parts;
      const folderId = await folders.ensure(graph, drive.driveKey, drive.drivePath, drive.folder, signal);
      try {
        await this.probe(drive, folderId, signal);
      } catch (err) {
        if (!isGraphStatus(err, 404)) throw err;
        // The remembered folder id is stale: the folder (or one above it) was deleted since it was
        // looked up. Forget it, find or recreate the folder, and probe that.
        folders.forget(drive.driveKey, drive.folder);
        const fresh = await folders.ensure(graph, drive.driveKey, drive.drivePath, drive.folder, signal);
        await this.probe(drive, fresh, signal).catch((again: unknown) => {
          if (!isGraphStatus(again, 404)) throw again;
          folders.forget(drive.driveKey, drive.folder);
          throw new TransientError(`The folder ${this.displayPath} disappeared again while it was being checked`, { cause: again });
        });
      }
      return 'writable';
    } catch (err) {
      return accessFromError(err);
    }
  }

  /**
   * Opens an upload session for a probe name in the folder and cancels it at once. Rejects with
   * Graph's raw 404 when the folder id is unknown (so the caller can tell a stale id), otherwise
   * like {@link GraphApi.call}.
   */
  private async probe(drive: ResolvedDrive, folderId: string, signal?: AbortSignal): Promise<void> {
    const { graph } = this.parts;
    // Short, so that it fits wherever a file name still fits (the path limit counts it too).
    const probe = `.fs-${randomUUID().slice(0, 8)}.tmp`;
    const session = (await graph.call(
      `Checking that files may be added to ${this.displayPath}`,
      (api) =>
        api(`${drive.drivePath}/items/${encodeURIComponent(folderId)}:/${encodeURIComponent(probe)}:/createUploadSession`).post({
          item: { '@microsoft.graph.conflictBehavior': 'fail', name: probe },
        }),
      signal,
      (err) => isGraphStatus(err, 404),
    )) as { uploadUrl: string };
    await graph.call('Cancelling the check upload session', (api) => api(session.uploadUrl).delete(), signal).catch(() => undefined);
  }

  /** The file or folder called `name` in the target folder, or `undefined`. Never creates anything. */
  async stat(name: string, signal?: AbortSignal): Promise<EntryInfo | undefined> {
    const item = await this.lookup(name, signal);
    return item ? toEntry(item, this.displayPath) : undefined;
  }

  /**
   * Writes `content` as `name` unless the name is taken (`{created: false, existing}`), creating
   * missing folders level by level. Rejects with PermissionDenied (403), PermanentError (too
   * large, 507 insufficient storage, path too long, name refused), TransientError (throttling
   * with `retryAfterMs`, 5xx, network) and AuthError (token refused twice).
   */
  async create(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    const { signal } = options;
    if (name === '' || /[/\\]/.test(name)) throw new PermanentError(`"${name}" is not a valid file name.`);
    if (content.size > GRAPH_MAX_FILE_SIZE) {
      throw new PermanentError(`"${name}" is ${content.size} bytes; OneDrive and SharePoint accept at most 250 GiB.`);
    }
    const drive = await this.drive(signal);
    const { graph, folders, config } = this.parts;
    const parentId = await folders.ensure(graph, drive.driveKey, drive.drivePath, drive.folder, signal);
    const parentGone = (err: unknown): never => {
      // The folder was removed behind our back: forget its id so the retry recreates it (and,
      // should a folder above it be gone too, the folder cache recreates that on the way).
      folders.forget(drive.driveKey, drive.folder);
      throw new TransientError(`The folder ${this.displayPath} disappeared while writing "${name}"`, { cause: err });
    };

    let item: DriveItem;
    if (content.size === 0 || content.size < config.largeUploadThreshold) {
      const bytes = await content.bytes();
      try {
        item = await graph.call(
          `Uploading "${name}" to ${this.displayPath}`,
          (api) =>
            api(`${drive.drivePath}/items/${encodeURIComponent(parentId)}:/${encodeURIComponent(name)}:/content`)
              .query({ '@microsoft.graph.conflictBehavior': 'fail' })
              .headers({ 'Content-Type': 'application/octet-stream' })
              .put(bytes),
          signal,
          (err) => isGraphStatus(err, 409) || isGraphStatus(err, 404),
        );
      } catch (err) {
        if (isGraphStatus(err, 409)) return { created: false, ...(await this.existing(name, signal)) };
        if (isGraphStatus(err, 404)) return parentGone(err);
        throw err;
      }
      item = await this.setModifiedTime(drive, item, options.modifiedAt, signal);
    } else {
      let result;
      try {
        result = await uploadBySession({
          graph,
          drivePath: drive.drivePath,
          parentId,
          name,
          content,
          modifiedAt: options.modifiedAt,
          fragmentSize: config.fragmentSize,
          retry: config.sessionRetry,
          notFoundPauseMs: config.fragmentNotFoundPauseMs,
          findCommitted: async () => {
            const found = await this.lookup(name, signal);
            return found?.file?.hashes?.quickXorHash === (await content.digest('quickxor')) ? found : undefined;
          },
          signal,
        });
      } catch (err) {
        if (err instanceof TargetMissing) return parentGone(err);
        throw err;
      }
      if (!result.created) return { created: false, ...(await this.existing(name, signal)) };
      item = result.item;
    }
    return { created: true, entry: toEntry(item, this.displayPath) };
  }

  /**
   * Nothing to remove, so it resolves 0: an unfinished upload session is invisible in the drive
   * (the file appears only when its last fragment commits), Graph expires abandoned sessions on
   * its own and offers no way to list them, and the sink never writes temporary names.
   */
  async recover(): Promise<number> {
    return 0;
  }

  /** Nothing to release: the Graph client holds no connections of its own. */
  async dispose(): Promise<void> {}

  private drive(signal?: AbortSignal): Promise<ResolvedDrive> {
    if (!this.resolved) {
      const resolving = this.parts.resolver.resolve(this.parts.graph, this.parts.target, signal).then((drive) => {
        // Known before any caller goes on, so names made after check() fit the real path.
        this.rootPath = drive.rootPath;
        return drive;
      });
      this.resolved = resolving;
      resolving.catch(() => {
        if (this.resolved === resolving) this.resolved = undefined;
      });
    }
    return this.resolved;
  }

  private async lookup(name: string, signal?: AbortSignal): Promise<DriveItem | undefined> {
    const drive = await this.drive(signal);
    // In the folder files are written to: by its id when known. By path, a folder a user renamed or moved (its id
    // still written to) would not hold the name a write was just refused for, and the filing would fail for good.
    const parentId = await this.parts.folders.known(drive.driveKey, drive.folder);
    const where = parentId !== undefined
      ? `${drive.drivePath}/items/${encodeURIComponent(parentId)}:/${encodeURIComponent(name)}`
      : `${drive.drivePath}/root:/${[...drive.folder, name].map(encodeURIComponent).join('/')}`;
    try {
      return await this.parts.graph.call(
        `Looking up "${name}" in ${this.displayPath}`,
        (api) => api(where).select(DRIVE_ITEM_SELECT).get(),
        signal,
        (err) => isGraphStatus(err, 404),
      );
    } catch (err) {
      if (isGraphStatus(err, 404)) return undefined;
      throw err;
    }
  }

  private async existing(name: string, signal?: AbortSignal): Promise<{ existing?: EntryInfo }> {
    const entry = await this.stat(name, signal);
    return entry ? { existing: entry } : {};
  }

  /**
   * Gives a file written by `PUT …/content` its sent time (an upload session sets it at creation).
   * A failure here does not undo the write: it is logged and the file keeps the upload time.
   */
  private async setModifiedTime(drive: ResolvedDrive, item: DriveItem, modifiedAt: Date, signal?: AbortSignal): Promise<DriveItem> {
    try {
      return await this.parts.graph.call(
        `Setting the modified time of "${item.name}"`,
        (api) =>
          api(`${drive.drivePath}/items/${encodeURIComponent(item.id)}`).patch({
            fileSystemInfo: { lastModifiedDateTime: modifiedAt.toISOString() },
          }),
        signal,
      );
    } catch (err) {
      this.parts.logger.warn({ file: item.name, reason: (err as Error).message }, 'could not set the modified time of a written file');
      return item;
    }
  }
}
