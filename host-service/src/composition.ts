import { fileURLToPath } from 'node:url';
import type { CredentialProviderFactory, HostDefinition } from '@filing-sync/core';
import { boxCredentialProviderFactory } from '@filing-sync/sink-box';
import { dropboxCredentialProviderFactory } from '@filing-sync/sink-dropbox';
import { egnyteCredentialProviderFactory } from '@filing-sync/sink-egnyte';
import { microsoftGraphCredentials } from '@filing-sync/sink-onedrive';
import { projectWiseCredentialProviderFactory } from '@filing-sync/sink-projectwise';

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
  '@filing-sync/sink-onedrive',
  '@filing-sync/sink-dropbox',
  '@filing-sync/sink-box',
  '@filing-sync/sink-egnyte',
  '@filing-sync/sink-projectwise',
];

/**
 * Service-level credentials only: app-only OAuth (MSAL client credentials, Box CCG/JWT), stored
 * refresh tokens and secrets from the config, the environment or secret files. Each is used only
 * when its `credentials.<name>` section is configured. Importing them loads no cloud SDK (each
 * plugin's entry is SDK-free): a provider loads its SDK on its first credential request, and a
 * sink factory on its first target, so the host's memory does not grow with the plugins it offers.
 * @public
 */
export const SERVICE_CREDENTIALS: readonly CredentialProviderFactory[] = [
  microsoftGraphCredentials,
  dropboxCredentialProviderFactory,
  boxCredentialProviderFactory,
  egnyteCredentialProviderFactory,
  projectWiseCredentialProviderFactory,
];

/**
 * The service host's definition for {@link bootConnector}.
 * @public
 */
export function serviceHost(): HostDefinition {
  return {
    variant: 'service',
    plugins: SERVICE_PLUGINS,
    credentialFactories: SERVICE_CREDENTIALS,
    resolveFrom: import.meta.url,
    // The package folder: where an installation keeps Sync-license.lic (and its config).
    installDir: fileURLToPath(new URL('..', import.meta.url)),
  };
}
