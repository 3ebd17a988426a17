import { Dropbox, DropboxAuth } from 'dropbox';
import { ConfigError, type CredentialBroker, type CredentialRequest } from '@filing-sync/core';

/** Longest a single Dropbox request may take by default: five minutes (a 148 MiB chunk on a slow line). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

/**
 * The `fetch` the SDK uses: Node's global `fetch` with a time limit per request (the SDK has
 * none, and a request that never answers would hold its filing forever), and, when `baseUrl` is
 * set (an API double or a recording proxy), one that sends every Dropbox host
 * (`api.dropboxapi.com`, `content.dropboxapi.com`, the token endpoint) to that origin with the
 * SDK's path and query. A request over time rejects with a `TimeoutError` (a TransientError once
 * mapped). Throws {@link ConfigError} on a `baseUrl` that is not an http(s) URL.
 * @public
 */
export function dropboxFetch(baseUrl: string | undefined, key: string, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): typeof fetch {
  const limited = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs) });
  if (baseUrl === undefined) return limited;
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new ConfigError([{ key, expected: 'an absolute http(s) URL', found: baseUrl }]);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new ConfigError([{ key, expected: 'an http(s) URL', found: baseUrl }]);
  return (input, init) => {
    const original = new URL(input instanceof Request ? input.url : String(input));
    return limited(new URL(original.pathname + original.search, base), init);
  };
}

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
