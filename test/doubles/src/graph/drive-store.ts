import { randomUUID } from 'node:crypto';

/** A file or folder in a {@link DriveStore}. */
export interface StoredItem {
  id: string;
  name: string;
  /** Parent folder id; `undefined` for the root. */
  parentId: string | undefined;
  folder: boolean;
  content?: Buffer;
  createdDateTime: string;
  lastModifiedDateTime: string;
  fileSystemInfo: { createdDateTime: string; lastModifiedDateTime: string };
}

/**
 * One drive's tree in memory. Names are compared case-insensitively, as OneDrive and SharePoint do.
 */
export class DriveStore {
  readonly items = new Map<string, StoredItem>();
  readonly rootId: string;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly driveType: 'personal' | 'business' | 'documentLibrary',
    readonly webUrl: string,
  ) {
    this.rootId = `${id}-root`;
    const now = new Date().toISOString();
    this.items.set(this.rootId, {
      id: this.rootId,
      name: 'root',
      parentId: undefined,
      folder: true,
      createdDateTime: now,
      lastModifiedDateTime: now,
      fileSystemInfo: { createdDateTime: now, lastModifiedDateTime: now },
    });
  }

  /** The child of `parentId` called `name` (case-insensitive), if any. */
  child(parentId: string, name: string): StoredItem | undefined {
    const wanted = name.toLowerCase();
    for (const item of this.items.values()) if (item.parentId === parentId && item.name.toLowerCase() === wanted) return item;
    return undefined;
  }

  children(parentId: string): StoredItem[] {
    return [...this.items.values()].filter((i) => i.parentId === parentId);
  }

  /** Walks `segments` down from `fromId`; `undefined` when a segment is missing. */
  walk(fromId: string, segments: readonly string[]): StoredItem | undefined {
    let item = this.items.get(fromId);
    for (const segment of segments) {
      if (!item || !item.folder) return undefined;
      item = this.child(item.id, segment);
    }
    return item;
  }

  /** Every file below the folder at `path` (`a/b`), as `relative path → bytes`; empty when there is no such folder. */
  filesBelow(path: string): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    const walk = (id: string, rel: string): void => {
      for (const child of this.children(id)) {
        const r = rel ? `${rel}/${child.name}` : child.name;
        if (child.folder) walk(child.id, r);
        else out.set(r, child.content ?? Buffer.alloc(0));
      }
    };
    const start = this.walk(this.rootId, path.split('/'));
    if (start) walk(start.id, '');
    return out;
  }

  /** The item's path from the root, `/`-separated, without a leading slash (`''` for the root). */
  pathOf(item: StoredItem): string {
    const parts: string[] = [];
    for (let i: StoredItem | undefined = item; i && i.parentId !== undefined; i = this.items.get(i.parentId)) parts.unshift(i.name);
    return parts.join('/');
  }

  /** Adds a file or folder under `parentId`. The caller has checked the name is free. */
  add(parentId: string, name: string, folder: boolean, content?: Buffer, modifiedAt?: string): StoredItem {
    const now = new Date().toISOString();
    const item: StoredItem = {
      id: randomUUID().replace(/-/g, '').toUpperCase(),
      name,
      parentId,
      folder,
      content,
      createdDateTime: now,
      lastModifiedDateTime: now,
      fileSystemInfo: { createdDateTime: now, lastModifiedDateTime: modifiedAt ?? now },
    };
    this.items.set(item.id, item);
    return item;
  }

  /** Removes an item and everything below it. */
  remove(id: string): void {
    for (const child of this.children(id)) this.remove(child.id);
    this.items.delete(id);
  }

  /** Bytes used by file contents. */
  usedBytes(): number {
    let used = 0;
    for (const item of this.items.values()) used += item.content?.length ?? 0;
    return used;
  }
}
