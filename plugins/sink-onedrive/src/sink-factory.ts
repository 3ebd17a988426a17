import type { Sink, SinkContext, SinkFactory } from '@filing-sync/core';
import { OneDriveConfigSchema, resolveConfig, type OneDriveConfig } from './config.js';
import { DriveResolver, parseDriveTarget } from './drive-location.js';
import { FolderCache } from './folder-cache.js';
import { GraphApi } from './graph-api.js';
import { OneDriveSink } from './onedrive-sink.js';

/**
 * Makes OneDrive and SharePoint sinks (`onedrive:/…`, `onedrive://<drive-id>/…`,
 * `sharepoint://<host>/sites/<site>/<library>/…`). Sites, libraries and folder ids are resolved
 * once and shared by every sink it makes.
 * @public
 */
export class OneDriveSinkFactory implements SinkFactory<OneDriveConfig> {
  readonly name = 'onedrive';
  readonly schemes = ['onedrive', 'sharepoint'] as const;
  readonly description = 'OneDrive and SharePoint document libraries through Microsoft Graph.';
  readonly configSchema = OneDriveConfigSchema;
  private readonly resolver = new DriveResolver();
  private readonly folders = new FolderCache();

  /** Rejects with ConfigError naming `target` or the config key when either cannot be used. */
  async create(target: URL, config: OneDriveConfig, context: SinkContext): Promise<Sink> {
    const resolved = resolveConfig(config);
    const parsed = parseDriveTarget(target);
    const graph = new GraphApi({
      credentials: context.credentials,
      baseUrl: resolved.graphBaseUrl,
      customHosts: resolved.customHosts,
      account: resolved.account,
      requestTimeoutMs: resolved.requestTimeoutMs,
    });
    return new OneDriveSink({ graph, resolver: this.resolver, folders: this.folders, target: parsed, config: resolved, logger: context.logger });
  }
}
