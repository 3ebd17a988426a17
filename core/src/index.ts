/**
 * @filing-sync/core: contracts, engine, state store, naming, config, plugin loader and CLI kit.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './contracts/filing.js';
export * from './contracts/content.js';
export * from './contracts/lease.js';
export * from './contracts/source.js';
export * from './contracts/formatter.js';
export * from './contracts/path-rules.js';
export * from './contracts/sink.js';
export * from './contracts/sink-factory.js';
export * from './contracts/source-factory.js';
export * from './contracts/credential-provider.js';
export * from './contracts/plugin.js';
export * from './hash/hasher.js';
export * from './hash/quickxor.js';
export * from './hash/dropbox-content-hash.js';
export * from './content/buffer-content.js';
export * from './content/file-content.js';
export * from './content/read-range.js';
export * from './cloud/remote-folder.js';
export * from './cloud/lazy-credential-provider.js';
export * from './retry.js';
export * from './pacing/pacer.js';
export * from './pacing/group-commit.js';
export * from './pacing/memory-budget.js';
export * from './pacing/until-aborted.js';
export * from './http/http-errors.js';
// Plugins describe their config with these, so they need no TypeBox or pino dependency of their own.
export { Type, type Static, type TSchema } from '@sinclair/typebox';
export type { Logger } from 'pino';
export * from './naming/index.js';
export * from './placement/place-file.js';
export * from './contracts/source-factory.js';
export * from './logging/secret-registry.js';
export * from './logging/logger.js';
export * from './config/config-schema.js';
export * from './config/load-config.js';
export * from './config/url-for-display.js';
export * from './config/validate-config.js';
export * from './config/resolve-config-paths.js';
export * from './plugins/plugin-loader.js';
export * from './state/state-store.js';
export * from './state/store-lock.js';
export * from './engine/engine.js';
export * from './engine/lease-keeper.js';
export * from './engine/sink-registry.js';
export * from './engine/spool.js';
export * from './boot/credential-broker.js';
export * from './boot/boot-connector.js';
export * from './target-uri.js';
export * from './licence/index.js';
export * from './access/access-from-error.js';
