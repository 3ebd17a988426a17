import type { BoxClient } from 'box-node-sdk';
import { TargetMissing } from '@filing-sync/core';
import { mapBoxError, nameInUse } from './box-errors.js';

/**
 * Turns a folder path into a Box folder id, creating missing folders level by level from the
 * root folder (`0`, or a configured shared folder): each level is created, and a 409 `item_name_in_use` naming a folder yields that
 * folder's id. Ids are cached per path (case-insensitively, as Box compares names).
 * Rejects with {@link TargetMissing} when a file stands where a folder should be,
 * {@link PermissionDenied} when creating is refused, and as {@link mapBoxError} otherwise.
 * @public
 */
export class BoxFolderResolver {
  private readonly ids = new Map<string, Promise<string>>();

  constructor(
    private readonly client: BoxClient,
    private readonly rootId = '0',
  ) {}

  /** The id of the folder at `segments` below the root. */
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

  /** Drops cached ids (after Box said a folder is gone). */
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
      throw mapBoxError(err, `creation of folder /${path.join('/')}`);
    }
  }
}
