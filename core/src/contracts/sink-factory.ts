import type { TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { CredentialBroker } from './credential-provider.js';
import type { Sink } from './sink.js';

/**
 * Token under which every {@link SinkFactory} is registered (multi-registration).
 * @public
 */
export const SinkFactory = Symbol.for('filing-sync.SinkFactory');

/** What a factory gets besides the target and its own config. */
export interface SinkContext {
  credentials: CredentialBroker;
  logger: Logger;
  /**
   * 8 hex digits naming this connector installation (its state store), stable across restarts.
   * A sink may mark its temporary files with it, so that {@link Sink.recover} can remove its own
   * leftovers at once while leaving another connector's writes in progress alone.
   */
  instanceId?: string;
}

/**
 * Describes a sink plugin and makes a {@link Sink} per target URI: rclone's `RegInfo` plus
 * Airbyte's spec.
 * @public
 */
export interface SinkFactory<Config = unknown> {
  /** Plugin name, e.g. `dropbox`; also the key of its section under `sinks` in the config. */
  readonly name: string;
  /** URI schemes served, e.g. `['onedrive', 'sharepoint']`; `file` also takes plain and UNC paths. */
  readonly schemes: readonly string[];
  /** One line for `filing-sync plugins` and the UI. */
  readonly description: string;
  /**
   * JSON Schema of the plugin's config section (TypeBox). Secrets are marked `"x-secret": true`,
   * and options carry `description`, `default` and `examples`.
   */
  readonly configSchema: TSchema;
  /**
   * Writes at once to this plugin's targets when the config does not say
   * (`concurrency.perSink.<name>`); omit to use the host's `concurrency.defaultPerSink`. Local disks
   * and shares overlap many small writes well; a cloud API's rate limits call for few.
   */
  readonly defaultConcurrency?: number;
  /**
   * Makes the sink for one target URI. Does no I/O beyond what parsing needs.
   * Rejects with {@link ConfigError} when the URI or the config cannot be used for this sink.
   */
  create(target: URL, config: Config, context: SinkContext): Promise<Sink>;
}
