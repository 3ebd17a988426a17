import { PermanentError, TransientError } from '@filing-sync/core';
import type { GraphApi } from './graph-api.js';
import { isGraphStatus } from './graph-errors.js';

/** A drive item as far as folder handling needs it. */
interface FolderItem {
  id: string;
  folder?: object;
  file?: object;
}

/**
 * Finds or creates folders in a drive, one level at a time, and remembers their ids (folders we
 * write into are never moved by us; a stale id shows up as 404 and is forgotten by the caller).
 * Creation uses conflict behaviour `fail`, and `409 nameAlreadyExists` counts as success, so two
 * writers creating the same folder both end up with the one folder.
 * Shared by every sink of one factory, keyed by drive.
 */
export class FolderCache {
  private readonly ids = new Map<string, Promise<string>>();

  /**
   * The id of `folder` (decoded segments from the drive root) in `drivePath`, creating missing
   * levels. Rejects with {@link PermissionDenied} when a level may not be created,
   * {@link PermanentError} when a file stands where a folder should be, and like {@link GraphApi.call}.
   */
  async ensure(graph: GraphApi, driveKey: string, drivePath: string, folder: readonly string[], signal?: AbortSignal): Promise<string> {
    const key = this.key(driveKey, folder);
    let id = this.ids.get(key);
    if (!id) {
      id = this.create(graph, driveKey, drivePath, folder, signal);
      this.ids.set(key, id);
      const pending = id;
      pending.catch((err: unknown) => {
        // A throttled lookup stays the answer until its Retry-After has passed: other writes get
        // the same TransientError instead of sending the request again before the service allows.
        const wait = err instanceof TransientError ? (err.retryAfterMs ?? 0) : 0;
        const forget = () => {
          if (this.ids.get(key) === pending) this.ids.delete(key);
        };
        if (wait > 0) setTimeout(forget, wait).unref();
        else forget();
      });
    }
    return id;
  }

  /** Forgets what is known about `folder` and the folders below it (e.g. after a 404). */
  forget(driveKey: string, folder: readonly string[]): void {
    const prefix = this.key(driveKey, folder);
    for (const key of this.ids.keys()) if (key === prefix || key.startsWith(`${prefix}/`)) this.ids.delete(key);
  }

  private key(driveKey: string, folder: readonly string[]): string {
    // Names are case-insensitive in OneDrive and SharePoint.
    return `${driveKey}|/${folder.join('/')}`.toLowerCase();
  }

  private async create(graph: GraphApi, driveKey: string, drivePath: string, folder: readonly string[], signal?: AbortSignal): Promise<string> {
    if (folder.length === 0) {
      const root = (await graph.call('Looking up the drive root', (api) => api(`${drivePath}/root`).select('id').get(), signal)) as FolderItem;
      return root.id;
    }
    // One request when the folder is already there (the common case).
    const path = folder.map(encodeURIComponent).join('/');
    try {
      const item = (await graph.call(
        `Looking up folder /${folder.join('/')}`,
        (api) => api(`${drivePath}/root:/${path}`).select('id,folder,file').get(),
        signal,
        (err) => isGraphStatus(err, 404),
      )) as FolderItem;
      return this.folderId(item, folder);
    } catch (err) {
      if (!isGraphStatus(err, 404)) throw err;
    }
    const parentId = await this.ensure(graph, driveKey, drivePath, folder.slice(0, -1), signal);
    const name = folder[folder.length - 1]!;
    const what = `Creating folder /${folder.join('/')}`;
    try {
      const created = (await graph.call(
        what,
        (api) =>
          api(`${drivePath}/items/${encodeURIComponent(parentId)}/children`).post({
            name,
            folder: {},
            '@microsoft.graph.conflictBehavior': 'fail',
          }),
        signal,
        (err) => isGraphStatus(err, 409),
      )) as FolderItem;
      return created.id;
    } catch (err) {
      if (!isGraphStatus(err, 409)) throw err;
      // Someone created it meanwhile: use theirs.
      const item = (await graph.call(
        what,
        (api) => api(`${drivePath}/items/${encodeURIComponent(parentId)}:/${encodeURIComponent(name)}`).select('id,folder,file').get(),
        signal,
      )) as FolderItem;
      return this.folderId(item, folder);
    }
  }

  private folderId(item: FolderItem, folder: readonly string[]): string {
    if (!item.folder) {
      throw new PermanentError(`/${folder.join('/')} is a file, not a folder.`, { action: 'Rename the file or change the target folder.' });
    }
    return item.id;
  }
}
