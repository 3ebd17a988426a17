import type { BoxClient } from 'box-node-sdk';
import { PermissionDenied, TargetMissing } from '@filing-sync/core';
import { boxErrorCode, mapBoxError, nameInUse } from './box-errors.js';
import { folderItems } from './box-listing.js';

/**
 * Turns a folder path into a Box folder id, creating missing folders level by level from the
 * root folder (`0`, or a configured shared folder): each level is created, and a 409 `item_name_in_use` naming a folder yields that
 * folder's id. A 403 on creating a level is not taken as "denied" at once: Box does not document
 * whether it checks the parent's permission or the name first, and an account may write to a
 * folder whose parent it may only view (a collaboration on the sub-folder), so the level is then
 * looked up in its parent's listing and used when it is there. Ids are cached per path
 * (case-insensitively, as Box compares names).
 * Rejects with {@link TargetMissing} when a file stands where a folder should be,
 * {@link PermissionDenied} when a missing level may not be created, and as {@link mapBoxError}
 * otherwise (a {@link TransientError} for 409 `name_temporarily_reserved`, a folder another
 * request is creating at the same moment).
 * @public
 */
export class BoxFolderResolver {
  private readonly ids = new Map<string, Promise<string>>();

  constructor(
    private readonly client: BoxClient,
    private readonly rootId = '0',
  ) {}

  /** The id of the folder at `segments` below the root. Rejects as the class describes. */
  async resolve(segments: readonly string[]): Promise<string> {
    let parent = this.rootId;
    for (let i = 0; i < segments.length; i++) {
      const key = this.rootId + ':' + segments.slice(0, i + 1).join('/').normalize('NFC').toLowerCase();
      let id = this.ids.get(key);
      if (!id) {
        id = this.createOrFind(parent, segments[i]!, segments.slice(0, i + 1));
        this.ids.set(key, id);
        id.catch(() => this.ids.delete(key));
      }
      parent = await id;
    }
    return parent;
  }

  /** Drops cached ids (after Box said a folder is gone). Never throws. */
  forget(): void {
    this.ids.clear();
  }

  private async createOrFind(parentId: string, name: string, path: readonly string[]): Promise<string> {
    try {
      return (await this.client.folders.createFolder({ name, parent: { id: parentId } })).id;
    } catch (err) {
      const taken = nameInUse(err);
      if (taken?.type === 'folder' && taken.id) return taken.id;
      if (taken) throw new TargetMissing(`A file named "${name}" stands where the folder /${path.join('/')} should be in Box.`, { cause: err });
      const refused = mapBoxError(err, `creation of folder /${path.join('/')}`);
      // Refused to create: an existing folder of that name may still be writable (checked by the caller).
      if (refused instanceof PermissionDenied && boxErrorCode(err)?.status === 403) {
        const found = await this.findFolder(parentId, name).catch(() => undefined);
        if (found) return found;
      }
      throw refused;
    }
  }

  /** The id of the folder called `name` directly in `parentId`, by paging through its items; `undefined` when none. */
  private async findFolder(parentId: string, name: string): Promise<string | undefined> {
    const wanted = name.normalize('NFC').toLowerCase();
    for await (const e of folderItems(this.client, parentId, ['name'])) {
      if (e.type === 'folder' && (e as { name?: string }).name?.normalize('NFC').toLowerCase() === wanted) return (e as { id: string }).id;
    }
    return undefined;
  }
}
