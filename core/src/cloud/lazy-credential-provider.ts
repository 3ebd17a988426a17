import type { Credential, CredentialProvider, CredentialRequest } from '../contracts/credential-provider.js';

/**
 * A {@link CredentialProvider} whose implementation is made on the first `get`, so that a plugin's
 * credential provider factory can be created (synchronously, at boot) without loading the cloud
 * SDK behind it. `load` typically `import()`s the plugin's SDK-bound module and builds the real
 * provider; it is called once, and again only after it failed.
 *
 * - `get` rejects as `load` does (its errors are passed on as they are: make it throw the
 *   taxonomy's errors), and otherwise as the loaded provider does.
 * - `invalidate` before the provider is loaded has nothing to forget and does nothing; after,
 *   it is passed on. Never throws.
 * @public
 */
export function lazyCredentialProvider(resources: readonly string[], load: () => Promise<CredentialProvider>): CredentialProvider {
  let loading: Promise<CredentialProvider> | undefined;
  let loaded: CredentialProvider | undefined;
  return {
    resources,
    async get(request: CredentialRequest, signal?: AbortSignal): Promise<Credential> {
      signal?.throwIfAborted();
      if (!loaded) {
        // Concurrent first requests share one load; a failed load is tried again next time.
        loading ??= load().finally(() => (loading = undefined));
        loaded = await loading;
      }
      return loaded.get(request, signal);
    },
    invalidate(request: CredentialRequest): void {
      loaded?.invalidate(request);
    },
  };
}
