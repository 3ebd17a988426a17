import type { Sink, SinkContext, SinkFactory } from '@filing-sync/core';
import { OneDriveConfigSchema, resolveConfig, type OneDriveConfig } from './config.js';
import { parseDriveTarget } from './drive-target.js';
// Types only: the Graph client is loaded by create, when a OneDrive or SharePoint target is used.
import type { SharedDriveLookups } from './open-onedrive-sink.js';

/**
 * Makes OneDrive and SharePoint sinks (`onedrive:/…`, `onedrive://<drive-id>/…`,
 * `sharepoint://<host>/sites/<site>/<library>/…`). Sites, libraries and folder ids are resolved
 * once and shared by every sink it makes. The factory loads no SDK: the Microsoft Graph client is
 * imported by the first `create`, so a host without such targets never loads it.
 * @public
 */
export class OneDriveSinkFactory implements SinkFactory<OneDriveConfig> {
  readonly name = 'onedrive';
  readonly schemes = ['onedrive', 'sharepoint'] as const;
  readonly description = 'OneDrive and SharePoint document libraries through Microsoft Graph.';
  readonly configSchema = OneDriveConfigSchema;
  private shared: SharedDriveLookups | undefined;

  /**
   * Rejects with ConfigError naming `target` or the config key when either cannot be used
   * (checked before the Graph client is loaded); rejects as `import()` does if it cannot be loaded.
   */
  async create(target: URL, config: OneDriveConfig, context: SinkContext): Promise<Sink> {
    const resolved = resolveConfig(config);
    const parsed = parseDriveTarget(target);
    const { openOneDriveSink, sharedDriveLookups } = await import('./open-onedrive-sink.js');
    this.shared ??= sharedDriveLookups();
    return openOneDriveSink(parsed, resolved, this.shared, context);
  }
}
