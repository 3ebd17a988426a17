import type { TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { SecretRegistry } from '../logging/secret-registry.js';
import type { CredentialBroker } from './credential-provider.js';
import type { Source } from './source.js';

/**
 * Token under which every {@link SourceFactory} is registered (multi-registration); the host picks
 * the one its config names.
 * @public
 */
export const SourceFactory = Symbol.for('filing-sync.SourceFactory');

/** What a factory gets besides its own config. */
export interface SourceContext {
  logger: Logger;
  /** For sources that take their token from a credential provider instead of their config. */
  credentials?: CredentialBroker;
  /** Where a source registers secrets it reads while running (a token file), so they are blanked in logs. */
  secrets?: SecretRegistry;
}

/**
 * Describes a source plugin and makes the {@link Source} the engine drains.
 * @public
 */
export interface SourceFactory<Config = unknown> {
  /** Plugin name, e.g. `filing-service`; also the key of its section under `sources` in the config. */
  readonly name: string;
  /** One line for `filing-sync plugins` and the UI. */
  readonly description: string;
  /**
   * JSON Schema of the plugin's config section (TypeBox). Secrets are marked `"x-secret": true`,
   * and options carry `description`, `default` and `examples`.
   */
  readonly configSchema: TSchema;
  /**
   * Makes the source. Does no I/O. Throws {@link ConfigError} (every problem at once, each naming
   * its key) when the config cannot be used.
   */
  create(config: Config, context: SourceContext): Source;
}
