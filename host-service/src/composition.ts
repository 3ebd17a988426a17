import { fileURLToPath } from 'node:url';
import type { HostDefinition } from '@filing-sync/core';

/**
 * The service host's composition root: which plugins and credential providers it registers.
 * This list is all that distinguishes it from the desktop host; everything else is core.
 * @public
 */
export const SERVICE_PLUGINS: readonly string[] = [
  '@filing-sync/source-filing-service',
  '@filing-sync/formatter-eml',
  '@filing-sync/formatter-msg',
  '@filing-sync/sink-filesystem',
];

/**
 * The service host's definition for {@link bootConnector}: service-level credentials only
 * (config files, environment, secret files, app-only OAuth).
 * @public
 */
export function serviceHost(): HostDefinition {
  return {
    variant: 'service',
    plugins: SERVICE_PLUGINS,
    credentialFactories: [],
    resolveFrom: import.meta.url,
    // The package folder: where an installation keeps Sync-license.lic (and its config).
    installDir: fileURLToPath(new URL('..', import.meta.url)),
  };
}
