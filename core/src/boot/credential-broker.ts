import type { Credential, CredentialBroker, CredentialProvider, CredentialRequest } from '../contracts/credential-provider.js';
import { AuthError } from '../errors.js';
import type { SecretRegistry } from '../logging/secret-registry.js';

/**
 * Routes each credential request to the provider that serves its resource, and tells `secrets` every credential it
 * hands out, so that a token an SDK puts into an error message is blanked in logs and reported reasons too.
 * @public
 */
export class ProviderBroker implements CredentialBroker {
  private readonly byResource = new Map<string, CredentialProvider>();

  constructor(
    providers: readonly CredentialProvider[],
    private readonly secrets?: SecretRegistry,
  ) {
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
    return provider.get(request, signal).then((credential) => {
      this.remember(credential);
      return credential;
    });
  }

  private remember(credential: Credential): void {
    if (!this.secrets) return;
    if (credential.type === 'bearer') this.secrets.addIssued(credential.accessToken);
    else if (credential.type === 'basic') this.secrets.addIssued(credential.password);
    else for (const value of Object.values(credential.values)) this.secrets.addIssued(value);
  }

  /** Never throws. */
  invalidate(request: CredentialRequest): void {
    this.byResource.get(request.resource)?.invalidate(request);
  }
}
