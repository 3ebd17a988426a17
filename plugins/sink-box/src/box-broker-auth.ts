import type { Authentication, NetworkSession } from 'box-node-sdk/networking';
import type { AccessToken } from 'box-node-sdk/schemas';
import { BoxSdkError } from 'box-node-sdk/box';
import { ConfigError, type CredentialBroker, type CredentialRequest } from '@filing-sync/core';

/**
 * box-node-sdk's `Authentication`, fed by the host's {@link CredentialBroker}: every call asks
 * the broker for a token (its provider refreshes), and `refreshToken` (called by the retry
 * strategy after a 401) invalidates the token at the broker and fetches a new one. Rejects like
 * the broker: {@link AuthError} or {@link TransientError}.
 * @public
 */
export class BrokerBoxAuth implements Authentication {
  constructor(
    private readonly broker: CredentialBroker,
    private readonly request: CredentialRequest = { resource: 'box' },
  ) {}

  async retrieveToken(_networkSession?: NetworkSession): Promise<AccessToken> {
    const credential = await this.broker.get(this.request);
    if (credential.type !== 'bearer') {
      throw new ConfigError([{ key: `credentials.${this.request.resource}`, expected: 'a provider that yields Box access tokens (bearer)', found: credential.type }]);
    }
    const expiresIn = credential.expiresAt ? Math.max(0, Math.floor((credential.expiresAt.getTime() - Date.now()) / 1000)) : undefined;
    return { accessToken: credential.accessToken, tokenType: 'bearer', ...(expiresIn === undefined ? {} : { expiresIn }) };
  }

  async refreshToken(networkSession?: NetworkSession): Promise<AccessToken> {
    this.broker.invalidate(this.request);
    return this.retrieveToken(networkSession);
  }

  async retrieveAuthorizationHeader(networkSession?: NetworkSession): Promise<string> {
    return `Bearer ${(await this.retrieveToken(networkSession)).accessToken}`;
  }

  /** Tokens belong to the credential provider; a sink never revokes them. */
  async revokeToken(_networkSession?: NetworkSession): Promise<undefined> {
    return undefined;
  }

  async downscopeToken(): Promise<AccessToken> {
    throw new BoxSdkError({ message: 'Down-scoped tokens are not used by the Box sink.' });
  }
}
