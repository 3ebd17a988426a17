/**
 * Source plugin for the Filing Service API: lease, claims, streamed content, reports, locations.
 * @packageDocumentation
 */
import { type RegisterPlugin, SourceFactory } from '@filing-sync/core';
import { filingServiceSourceFactory } from './factory.js';

export { FilingServiceConfigSchema, SOURCE_RETRY_POLICY, resolveConfig } from './config.js';
export type { FilingServiceConfig, ResolvedFilingServiceConfig } from './config.js';
export { FilingServiceSource, type PendingFiling } from './filing-service-source.js';
export { filingServiceSourceFactory } from './factory.js';

/**
 * Registers the filing-service {@link SourceFactory} in the host's container.
 * @public
 */
export const register: RegisterPlugin = (container) => {
  container.register(SourceFactory, { useValue: filingServiceSourceFactory });
};
