import { ConfigError, remoteFolderSegments } from '@filing-sync/core';

/**
 * Where a target URI points, before anything is asked of Graph.
 * - `onedrive:/Projects/X`: the signed-in user's drive (`/me/drive`; delegated tokens only);
 * - `onedrive://<drive-id>/Projects/X`: a given drive (app-only access needs this form);
 * - `sharepoint://<host>/sites/<site>/<library>/Projects/X`: a document library of a site
 *   (`/teams/<site>` too; a library of the root site is `sharepoint://<host>/<library>/...`).
 */
export type DriveTarget =
  | { kind: 'me'; folder: string[] }
  | { kind: 'drive'; driveId: string; folder: string[] }
  | { kind: 'sharepoint'; host: string; sitePath: string; library: string; folder: string[] };

/**
 * Parses a target URI. Throws {@link ConfigError} (key `target`) naming the expected form.
 */
export function parseDriveTarget(target: URL): DriveTarget {
  const scheme = target.protocol.replace(/:$/, '');
  const segments = (): string[] => remoteFolderSegments(new URL(`${scheme}:${target.pathname || '/'}`));
  if (scheme === 'onedrive') {
    if (target.host === '') return { kind: 'me', folder: segments() };
    return { kind: 'drive', driveId: decodeURIComponent(target.host), folder: segments() };
  }
  if (scheme === 'sharepoint') {
    const example = 'sharepoint://contoso.sharepoint.com/sites/Projects/Shared Documents/Surrey Court';
    if (target.host === '') throw new ConfigError([{ key: 'target', expected: `a SharePoint host name, e.g. ${example}`, found: target.href }]);
    const all = segments();
    let sitePath = '/';
    let rest = all;
    if (all.length >= 2 && /^(sites|teams)$/i.test(all[0]!)) {
      sitePath = `/${all[0]}/${all[1]}`;
      rest = all.slice(2);
    }
    if (rest.length === 0) {
      throw new ConfigError([{ key: 'target', expected: `a document library after the site, e.g. ${example}`, found: target.href }]);
    }
    return { kind: 'sharepoint', host: target.host.toLowerCase(), sitePath, library: rest[0]!, folder: rest.slice(1) };
  }
  throw new ConfigError([{ key: 'target', expected: 'a URI with scheme onedrive: or sharepoint:', found: target.href }]);
}
