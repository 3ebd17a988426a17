import type { EntryInfo } from '@filing-sync/core';

/** The fields of a Graph `driveItem` the sink reads. */
export interface DriveItem {
  id: string;
  name: string;
  size?: number;
  webUrl?: string;
  file?: { hashes?: { quickXorHash?: string } };
  folder?: { childCount?: number };
  fileSystemInfo?: { lastModifiedDateTime?: string };
  lastModifiedDateTime?: string;
}

/** Fields to `$select` when reading items. */
export const DRIVE_ITEM_SELECT = 'id,name,size,webUrl,file,folder,fileSystemInfo,lastModifiedDateTime';

/** A drive item as the sink contract shows it; `folderDisplay` is the target folder as shown to users. */
export function toEntry(item: DriveItem, folderDisplay: string): EntryInfo {
  const modified = item.fileSystemInfo?.lastModifiedDateTime ?? item.lastModifiedDateTime;
  return {
    name: item.name,
    path: `${folderDisplay.replace(/\/+$/, '')}/${item.name}`,
    size: item.size ?? 0,
    ...(item.file?.hashes?.quickXorHash ? { hash: item.file.hashes.quickXorHash } : {}),
    ...(modified ? { modifiedAt: new Date(modified) } : {}),
    ...(item.webUrl ? { webUrl: item.webUrl } : {}),
  };
}
