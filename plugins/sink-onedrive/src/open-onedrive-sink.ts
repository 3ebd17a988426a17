import type { Sink, SinkContext } from '@filing-sync/core';
import type { ResolvedOneDriveConfig } from './config.js';
import { DriveResolver } from './drive-location.js';
import type { DriveTarget } from './drive-target.js';
import { FolderCache } from './folder-cache.js';
import { GraphApi } from './graph-api.js';
import { OneDriveSink } from './onedrive-sink.js';

/** What every sink of one factory shares: sites, libraries and folder ids resolved once. */
export interface SharedDriveLookups {
  resolver: DriveResolver;
  folders: FolderCache;
}

/** Fresh {@link SharedDriveLookups} for a factory. */
export function sharedDriveLookups(): SharedDriveLookups {
  return { resolver: new DriveResolver(), folders: new FolderCache() };
}

/**
 * An {@link OneDriveSink} for a parsed target: a Graph client (the module that loads
 * @microsoft/microsoft-graph-client, on a OneDrive or SharePoint target's first use) and the
 * factory's shared lookups. Does no I/O; never throws for a checked config.
 */
export function openOneDriveSink(target: DriveTarget, config: ResolvedOneDriveConfig, shared: SharedDriveLookups, context: SinkContext): Sink {
  const graph = new GraphApi({
    credentials: context.credentials,
    baseUrl: config.graphBaseUrl,
    customHosts: config.customHosts,
    account: config.account,
    requestTimeoutMs: config.requestTimeoutMs,
  });
  return new OneDriveSink({ graph, resolver: shared.resolver, folders: shared.folders, target, config, logger: context.logger });
}
