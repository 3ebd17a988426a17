import type { Logger } from '@filing-sync/core';
import { osKeychain } from './os-keychain.js';
import { TokenVault, type TokenStore } from './token-vault.js';

/**
 * The user's token vault in `dir`, opened on first use (the keychain probe is asynchronous, and
 * credential providers are made synchronously at boot). Rejects on use when `dir` cannot be made.
 * @public
 */
export function userTokenStore(dir: string, logger?: Logger): TokenStore & { vault(): Promise<TokenVault> } {
  let opened: Promise<TokenVault> | undefined;
  const vault = (): Promise<TokenVault> =>
    (opened ??= (async () => TokenVault.open(dir, { keyStore: await osKeychain(), ...(logger ? { logger } : {}) }))());
  return {
    vault,
    get: async (name) => (await vault()).get(name),
    set: async (name, value) => (await vault()).set(name, value),
    delete: async (name) => (await vault()).delete(name),
  };
}
