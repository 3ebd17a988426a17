import {
  AuthenticationHandler,
  AuthenticationHandlerOptions,
  Client,
  GraphError,
  HTTPMessageHandler,
  TelemetryHandler,
  type GraphRequest,
} from '@microsoft/microsoft-graph-client';
import { AuthError, type CredentialBroker, type CredentialRequest } from '@filing-sync/core';
import { GRAPH_DEFAULT_SCOPE, GRAPH_USER_AGENT } from './graph-constants.js';
import { fromGraphError } from './graph-errors.js';

export { GRAPH_DEFAULT_SCOPE, GRAPH_USER_AGENT } from './graph-constants.js';

/** Options of {@link GraphApi}. */
export interface GraphApiOptions {
  credentials: CredentialBroker;
  /** `https://graph.microsoft.com` or another cloud (or a test double). */
  baseUrl: string;
  /** Hosts besides Graph's own that may receive the token (no port). */
  customHosts: readonly string[];
  account?: string;
  /** Longest time one request may take before it counts as failed (transient), in ms. */
  requestTimeoutMs: number;
}

/** Builds one request; `api(path)` gives a request already carrying the token and the abort signal. */
export type GraphCall<T> = (api: (path: string) => GraphRequest) => Promise<T>;

/**
 * The Graph SDK client as the sink uses it: every call goes through the official client, with
 * no SDK retries (the engine decides retries), the decorated User-Agent, and one token refresh
 * on 401. Failures come out mapped into the error taxonomy.
 */
export class GraphApi {
  private readonly client: Client;
  private readonly request: CredentialRequest;

  constructor(private readonly options: GraphApiOptions) {
    this.request = {
      resource: 'microsoft-graph',
      scopes: [scopeFor(options.baseUrl)],
      ...(options.account === undefined ? {} : { account: options.account }),
    };
    // Every request carries its own token (see call()), so this provider is only a fallback.
    const fallback = { getAccessToken: async () => this.token() };
    this.client = Client.initWithMiddleware({
      baseUrl: `${options.baseUrl.replace(/\/+$/, '')}/`,
      customHosts: new Set(options.customHosts),
      // No RetryHandler: throttling and 5xx surface as TransientError for the engine to retry, and
      // no RedirectHandler: Graph's drive calls answer without redirects.
      middleware: [new AuthenticationHandler(fallback), new TelemetryHandler(), new HTTPMessageHandler()],
      fetchOptions: { headers: { 'User-Agent': GRAPH_USER_AGENT } },
    });
  }

  /**
   * Runs one Graph operation. On 401 it forgets the token, fetches a new one and runs the
   * operation once more; a second 401 is an {@link AuthError}. Other failures are mapped by
   * {@link fromGraphError}, unless `keep(err)` says the caller handles them (returned raw).
   */
  async call<T>(what: string, send: GraphCall<T>, signal?: AbortSignal, keep?: (err: unknown) => boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const token = await this.token(signal);
      // The token is fetched here, outside the SDK, so credential errors keep their type
      // (the SDK would flatten them into a GraphError).
      const auth = new AuthenticationHandlerOptions({ getAccessToken: async () => token });
      // A request that never answers must not hold the filing forever.
      const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
      const api = (path: string): GraphRequest =>
        this.client.api(path).middlewareOptions([auth]).option('signal', signal ? AbortSignal.any([signal, timeout]) : timeout);
      try {
        return await send(api);
      } catch (err) {
        if (keep?.(err)) throw err;
        if (err instanceof GraphError && err.statusCode === 401) {
          if (attempt === 1) {
            this.options.credentials.invalidate(this.request);
            continue;
          }
          throw new AuthError(`${what} failed: Microsoft Graph refused the access token (${err.code ?? 401}: ${err.message})`, {
            cause: err,
            action: 'Check the app registration (client id, secret or certificate, tenant) and that admin consent was granted.',
          });
        }
        throw fromGraphError(err, what);
      }
    }
  }

  private async token(signal?: AbortSignal): Promise<string> {
    const credential = await this.options.credentials.get(this.request, signal);
    if (credential.type !== 'bearer') {
      throw new AuthError(`The credential for microsoft-graph is of type "${credential.type}"; a bearer token is needed.`);
    }
    return credential.accessToken;
  }
}

/** `https://graph.microsoft.com/.default`, or the same for a national cloud's Graph host. */
function scopeFor(baseUrl: string): string {
  const host = new URL(baseUrl).host;
  return /^graph\.microsoft\.(us|de)$|^microsoftgraph\.chinacloudapi\.cn$|^dod-graph\.microsoft\.us$/.test(host)
    ? `https://${host}/.default`
    : GRAPH_DEFAULT_SCOPE;
}
