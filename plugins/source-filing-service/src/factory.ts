import type { SourceContext, SourceFactory } from '@filing-sync/core';
import { type FilingServiceConfig, FilingServiceConfigSchema, resolveConfig } from './config.js';
import { FilingServiceSource } from './filing-service-source.js';

/**
 * The factory this plugin registers: makes a {@link FilingServiceSource} from the `source` section.
 * `create` throws {@link ConfigError} listing every problem with the section; it does no I/O.
 * @public
 */
export const filingServiceSourceFactory: SourceFactory<FilingServiceConfig> = {
  name: 'filing-service',
  description: 'Drains a tenant queue at a filing service (Filing Service API v1, bearer token).',
  configSchema: FilingServiceConfigSchema,
  create(config: FilingServiceConfig, context: SourceContext): FilingServiceSource {
    return new FilingServiceSource(resolveConfig(config), context.logger, context.secrets);
  },
};
