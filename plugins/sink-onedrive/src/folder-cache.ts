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
 * write into are never moved by us, but a user may delete them). A stale id shows up as 404: the
 * caller forgets a target folder whose id failed it, and creating a child under a remembered
 * parent that is gone forgets that parent and everything below it, then finds or recreates it
 * (walking up as far as needed), so a deleted folder comes back without a restart.
 * Creation uses conflict behaviour `fail`, and `409 nameAlreadyExists` counts as success, so two
 * writers creating the same folder both end up with the one folder.
 * Shared by every sink of one factory, keyed by drive.
 */
export class FolderCache {
  private readonly ids = new Map<string, Promise<string>>();

  /**
   * The id of `folder` (decoded segments from the drive root) in `drivePath`, creating missing
   * levels (and levels above whose remembered ids turn out stale). Rejects with
   * {@link PermissionDenied} when a level may not be created, {@link PermanentError} when a file
   * stands where a folder should be, {@link TransientError} when a parent disappears again while
   * its child is being created (someone is deleting as we create; the retry finds it out), and
   * like {@link GraphApi.call} otherwise ({@link TargetMissing} when the drive itself is gone).
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

  /**
   * The id of `folder` when it is known (or being found out), without creating anything: `undefined` otherwise.
   * Resolves to `undefined`, never rejects, when finding it out fails.
   */
  async known(driveKey: string, folder: readonly string[]): Promise<string | undefined> {
    return this.ids.get(this.key(driveKey, folder))?.catch(() => undefined);
  }

  /** Forgets what is known about `folder` and the folders below it (e.g. after a 404). Never throws. */
  forget(driveKey: string, folder: readonly string[]): void {
    const prefix = this.key(driveKey, folder);
    // The root's key already ends in a slash; below it is every other key of the drive.
    const below = prefix.endsWith('/') ? prefix : `${prefix}/`;
    for (const key of this.ids.keys()) if (key === prefix || key.startsWith(below)) this.ids.delete(key);
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
    const parent = folder.slice(0, -1);
    const parentId = await this.ensure(graph, driveKey, drivePath, parent, signal);
    try {
      return await this.createIn(graph, drivePath, parentId, folder, signal);
    } catch (err) {
      if (!isGraphStatus(err, 404)) throw err;
    }
    // 404: the parent's remembered id is stale (it was deleted, with everything below it, since it
    // was looked up). Forget it and its descendants, find or recreate it, and create the folder there.
    this.forget(driveKey, parent);
    const freshId = await this.ensure(graph, driveKey, drivePath, parent, signal);
    try {
      return await this.createIn(graph, drivePath, freshId, folder, signal);
    } catch (err) {
      if (!isGraphStatus(err, 404)) throw err;
      this.forget(driveKey, parent);
      throw new TransientError(`The folder /${parent.join('/')} disappeared again while /${folder.join('/')} was being created in it`, { cause: err });
    }
  }

  /**
   * Creates the last level of `folder` in the folder `parentId`, or finds it when it is already
   * there (409). Rejects with Graph's raw 404 when `parentId` is unknown, otherwise like `ensure`.
   */
  private async createIn(graph: GraphApi, drivePath: string, parentId: string, folder: readonly string[], signal?: AbortSignal): Promise<string> {
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
        (err) => isGraphStatus(err, 409) || isGraphStatus(err, 404),
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
