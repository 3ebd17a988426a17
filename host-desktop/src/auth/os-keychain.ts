import type { KeyStore } from './token-vault.js';

/** The keychain service name the vault key is kept under. */
const SERVICE = 'filing-sync-desktop';

/**
 * The OS keychain through `@napi-rs/keyring` (Windows Credential Manager, macOS Keychain, Secret
 * Service on Linux), holding the token vault's key for the current user. Resolves `undefined`
 * when the native module cannot be loaded on this platform; the vault then falls back to its
 * user-only file. `read`/`write` reject when the keychain refuses (locked, no daemon).
 * @public
 */
export async function osKeychain(account = 'token-vault-key'): Promise<KeyStore | undefined> {
  let AsyncEntry: typeof import('@napi-rs/keyring').AsyncEntry;
  try {
    ({ AsyncEntry } = await import('@napi-rs/keyring'));
  } catch {
    return undefined;
  }
  const entry = new AsyncEntry(SERVICE, account);
  const description =
    process.platform === 'win32' ? 'Windows Credential Manager' : process.platform === 'darwin' ? 'the macOS Keychain' : 'the Secret Service keyring';
  return {
    description,
    read: async () => (await entry.getPassword()) ?? undefined,
    write: (value) => entry.setPassword(value),
  };
}
