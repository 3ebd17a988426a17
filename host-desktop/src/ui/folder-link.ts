import { fileUrlToPath, parseTargetUri } from '@filing-sync/core';

import type { FolderLink } from '../../client/dist/types.js';
export type { FolderLink };

/**
 * The link for a target URI. Never throws: a target that cannot be read gets `none` with the
 * text as written.
 * @public
 */
export function folderLink(target: string): FolderLink {
  let url: URL;
  try {
    url = parseTargetUri(target);
  } catch {
    return { kind: 'none', display: target };
  }
  const path = decodeURIComponent(url.pathname).replace(/^\/+/, '');
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  switch (url.protocol) {
    case 'file:':
      try {
        return { kind: 'local', path: fileUrlToPath(url) };
      } catch {
        return { kind: 'none', display: target };
      }
    case 'sharepoint:':
      // The library folder's address on the site opens it in SharePoint.
      return { kind: 'web', url: `https://${url.host}/${encoded}` };
    case 'onedrive:':
      return { kind: 'web', url: 'https://onedrive.live.com/' };
    case 'dropbox:':
      return { kind: 'web', url: `https://www.dropbox.com/home/${encoded}` };
    case 'box:':
      return { kind: 'web', url: 'https://app.box.com/folder/0' };
    case 'egnyte:':
      return { kind: 'web', url: `https://${url.host}.egnyte.com/navigate/folder/${encoded}` };
    default:
      return { kind: 'none', display: target };
  }
}
