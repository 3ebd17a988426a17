import type { Credential, CredentialBroker, CredentialProvider, CredentialRequest } from '../contracts/credential-provider.js';
import { AuthError } from '../errors.js';

/**
 * Routes each credential request to the provider that serves its resource.
 * @public
 */
export class ProviderBroker implements CredentialBroker {
  private readonly byResource = new Map<string, CredentialProvider>();

  constructor(providers: readonly CredentialProvider[]) {
    for (const p of providers) for (const r of p.resources) if (!this.byResource.has(r)) this.byResource.set(r, p);
  }

  /** Rejects with {@link AuthError} when no provider serves the resource; else as the provider does. */
  get(request: CredentialRequest, signal?: AbortSignal): Promise<Credential> {
    const provider = this.byResource.get(request.resource);
    if (!provider) {
      return Promise.reject(
        new AuthError(`No credentials are configured for ${request.resource}.`, {
          action: `Add a "credentials" section for ${request.resource} to the configuration (or sign in), then restart.`,
        }),
      );
    }
    return provider.get(request, signal);
  }

  /** Never throws. */
  invalidate(request: CredentialRequest): void {
    this.byResource.get(request.resource)?.invalidate(request);
  }
}
