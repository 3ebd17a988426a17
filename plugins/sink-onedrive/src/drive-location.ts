import { TargetMissing } from '@filing-sync/core';
import type { DriveTarget } from './drive-target.js';
import type { GraphApi } from './graph-api.js';
import { isGraphStatus } from './graph-errors.js';

export { parseDriveTarget, type DriveTarget } from './drive-target.js';

/** A target resolved to a drive: the Graph path prefix of the drive and the folder in it. */
export interface ResolvedDrive {
  /** `/drives/{id}` or `/me/drive`. */
  drivePath: string;
  /** Cache key of the drive, the same for every target in it. */
  driveKey: string;
  folder: string[];
  /** For messages and `displayPath`. */
  display: string;
  /**
   * The drive root's decoded server-relative path, from the drive's or library's `webUrl`
   * (`/personal/megan_contoso_com/Documents`, `/sites/Projects/Shared Documents`), without a trailing
   * slash: what SharePoint counts before the folder in its 400-character limit. `undefined` when
   * Graph reported no `webUrl`.
   */
  rootPath: string | undefined;
}

/**
 * Resolves SharePoint sites and libraries to drive ids through Graph, remembering what it found
 * (sites and libraries do not move while we run). Shared by every sink of one factory.
 */
export class DriveResolver {
  private readonly sites = new Map<string, Promise<string>>();
  private readonly libraries = new Map<string, Promise<Library[]>>();
  private readonly drives = new Map<string, Promise<Library>>();

  /**
   * Rejects with {@link TargetMissing} when the site, library or drive does not exist, and like
   * {@link GraphApi.call} otherwise (e.g. PermanentError for `onedrive:/` with an app-only token).
   * A failed lookup is not remembered.
   */
  async resolve(graph: GraphApi, target: DriveTarget, signal?: AbortSignal): Promise<ResolvedDrive> {
    if (target.kind === 'me' || target.kind === 'drive') {
      const drivePath = target.kind === 'me' ? '/me/drive' : `/drives/${encodeURIComponent(target.driveId)}`;
      const driveKey = target.kind === 'me' ? 'me' : target.driveId;
      const display = target.kind === 'me' ? `onedrive:/${target.folder.join('/')}` : `onedrive://${target.driveId}/${target.folder.join('/')}`;
      // Read once for its webUrl: where the drive lives decides how long our paths are to SharePoint.
      const drive = await this.remember(this.drives, driveKey, () => this.getDrive(graph, drivePath, display, signal));
      return { drivePath, driveKey, folder: target.folder, display, rootPath: webPath(drive.webUrl) };
    }
    const siteKey = `${target.host}${target.sitePath}`.toLowerCase();
    const siteId = await this.remember(this.sites, siteKey, () => this.findSite(graph, target, signal));
    const libraries = await this.remember(this.libraries, siteId, () => this.listLibraries(graph, siteId, target, signal));
    const library = pickLibrary(libraries, target);
    return {
      drivePath: `/drives/${encodeURIComponent(library.id)}`,
      driveKey: library.id,
      folder: target.folder,
      display: `https://${target.host}${target.sitePath === '/' ? '' : target.sitePath}/${[target.library, ...target.folder].join('/')}`,
      rootPath: webPath(library.webUrl),
    };
  }

  private async getDrive(graph: GraphApi, drivePath: string, display: string, signal?: AbortSignal): Promise<Library> {
    try {
      return (await graph.call(
        `Looking up the drive of ${display}`,
        (api) => api(drivePath).select('id,webUrl').get(),
        signal,
        (err) => isGraphStatus(err, 404),
      )) as Library;
    } catch (err) {
      if (isGraphStatus(err, 404)) {
        throw new TargetMissing(`The drive of ${display} does not exist (or is not visible to this app).`, {
          cause: err,
          action: 'Check the drive id in the target URI, and that the app or user may read that drive.',
        });
      }
      throw err;
    }
  }

  private async remember<T>(cache: Map<string, Promise<T>>, key: string, find: () => Promise<T>): Promise<T> {
    let found = cache.get(key);
    if (!found) {
      found = find();
      cache.set(key, found);
      found.catch(() => cache.delete(key));
    }
    return found;
  }

  private async findSite(graph: GraphApi, target: SharePointTarget, signal?: AbortSignal): Promise<string> {
    const sitePath = target.sitePath === '/' ? '' : `:${target.sitePath.split('/').map(encodeURIComponent).join('/')}`;
    try {
      const site = (await graph.call(
        `Looking up SharePoint site ${target.host}${target.sitePath}`,
        (api) => api(`/sites/${encodeURIComponent(target.host)}${sitePath}`).select('id').get(),
        signal,
        (err) => isGraphStatus(err, 404),
      )) as { id: string };
      return site.id;
    } catch (err) {
      if (isGraphStatus(err, 404)) throw new TargetMissing(`SharePoint site https://${target.host}${target.sitePath} does not exist.`, { cause: err });
      throw err;
    }
  }

  private async listLibraries(graph: GraphApi, siteId: string, target: SharePointTarget, signal?: AbortSignal): Promise<Library[]> {
    const list = (await graph.call(
      `Listing the document libraries of ${target.host}${target.sitePath}`,
      (api) => api(`/sites/${encodeURIComponent(siteId)}/drives`).select('id,name,webUrl').get(),
      signal,
    )) as { value: Library[] };
    return list.value;
  }
}

type SharePointTarget = Extract<DriveTarget, { kind: 'sharepoint' }>;

/**
 * The decoded path of a drive's `webUrl` without a trailing slash, e.g. `/sites/Projects/Shared
 * Documents`; `undefined` without a usable `webUrl`. Never throws.
 */
function webPath(webUrl: string | undefined): string | undefined {
  if (!webUrl) return undefined;
  try {
    return decodeURIComponent(new URL(webUrl).pathname).replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

/** A document library as `GET /sites/{id}/drives` lists it (and a drive as `GET /drives/{id}` gives it). */
interface Library {
  id: string;
  name?: string;
  webUrl?: string;
}

/**
 * The library a URI names, as it appears in its web address ("Shared Documents") or by its
 * display name ("Documents"), case-insensitively. Throws {@link TargetMissing} listing the
 * libraries there are.
 */
function pickLibrary(libraries: readonly Library[], target: SharePointTarget): Library {
  const wanted = target.library.toLowerCase();
  const urlName = (webUrl: string | undefined): string | undefined => {
    if (!webUrl) return undefined;
    const last = new URL(webUrl).pathname.split('/').filter(Boolean).pop();
    return last === undefined ? undefined : decodeURIComponent(last).toLowerCase();
  };
  const drive = libraries.find((d) => urlName(d.webUrl) === wanted) ?? libraries.find((d) => d.name?.toLowerCase() === wanted);
  if (!drive) {
    const known = libraries.map((d) => d.name ?? d.id).join(', ');
    throw new TargetMissing(`SharePoint site ${target.host}${target.sitePath} has no document library "${target.library}" (it has: ${known || 'none'}).`);
  }
  return drive;
}
