import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { HostDefinition } from '@filing-sync/core';
import { SignIns } from './auth/sign-ins.js';
import { userTokenStore } from './auth/user-token-store.js';
import { defaultDataDir } from './desktop-paths.js';

/**
 * The plugins the desktop host loads: the service host's source and formatters, the filesystem
 * sink, and every cloud sink. This list and the credential provider factories are all that
 * distinguish it from the service host; everything else is core.
 * @public
 */
export const DESKTOP_PLUGINS: readonly string[] = [
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

/** Options of {@link desktopHost}. */
export interface DesktopHostOptions {
  /** The sign-ins whose factories the host registers (by default: the user's token vault in the default data folder). */
  signIns?: SignIns;
}

/**
 * The desktop host's definition for {@link bootConnector}: interactive sign-in credentials for
 * one user (authorisation code with PKCE, tokens in the user's vault). Cloud sink plugins that
 * are not installed are left out, so the program runs with whichever are present.
 * @public
 */
export function desktopHost(options: DesktopHostOptions = {}): HostDefinition {
  const signIns = options.signIns ?? new SignIns(userTokenStore(defaultDataDir()));
  return {
    variant: 'desktop',
    plugins: installedPlugins(DESKTOP_PLUGINS),
    credentialFactories: signIns.factories,
    resolveFrom: import.meta.url,
    // Sync-license.lic may sit beside the program, as for the service host.
    installDir: fileURLToPath(new URL('../', import.meta.url)),
  };
}

/** The plugins of `names` that can be resolved from this package. */
export function installedPlugins(names: readonly string[]): string[] {
  const require = createRequire(import.meta.url);
  return names.filter((name) => {
    try {
      require.resolve(`${name}/package.json`);
      return true;
    } catch {
      return false;
    }
  });
}
