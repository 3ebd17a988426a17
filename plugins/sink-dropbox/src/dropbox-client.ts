import { Dropbox, DropboxAuth } from 'dropbox';
import { ConfigError, type CredentialBroker, type CredentialRequest } from '@filing-sync/core';

export { DEFAULT_REQUEST_TIMEOUT_MS, dropboxFetch } from './dropbox-fetch.js';

/**
 * The SDK's auth object, fed by the host's {@link CredentialBroker} instead of holding tokens
 * itself: before each call the SDK asks it for a token, and the broker's provider refreshes as
 * needed (with the SDK's own refresh for Dropbox refresh tokens). Rejects like the broker:
 * {@link AuthError} when no valid credential can be had, {@link TransientError} when the token
 * endpoint cannot be reached.
 * @public
 */
export class BrokerDropboxAuth extends DropboxAuth {
  constructor(
    private readonly broker: CredentialBroker,
    private readonly request: CredentialRequest,
    fetchImpl: typeof fetch,
  ) {
    super({ fetch: fetchImpl });
  }

  override checkAndRefreshAccessToken(): Promise<void> {
    return this.broker.get(this.request).then((credential) => {
      if (credential.type !== 'bearer') {
        throw new ConfigError([{ key: `credentials.${this.request.resource}`, expected: 'a provider that yields Dropbox access tokens (bearer)', found: credential.type }]);
      }
      this.setAccessToken(credential.accessToken);
    });
  }
}

/** What {@link createDropboxClient} needs. */
export interface DropboxClientOptions {
  broker: CredentialBroker;
  request: CredentialRequest;
  fetch: typeof fetch;
  /** `Dropbox-API-Path-Root` value (JSON), for team spaces and other namespaces. */
  pathRoot?: string;
  /** `Dropbox-API-Select-User`: the team member a team token acts as. */
  selectUser?: string;
}

/** Makes an SDK client whose every call takes its token from the broker. */
export function createDropboxClient(options: DropboxClientOptions): Dropbox {
  return new Dropbox({
    auth: new BrokerDropboxAuth(options.broker, options.request, options.fetch),
    fetch: options.fetch,
    ...(options.pathRoot === undefined ? {} : { pathRoot: options.pathRoot }),
    ...(options.selectUser === undefined ? {} : { selectUser: options.selectUser }),
  });
}
