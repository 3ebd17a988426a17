import { BaseUrls, NetworkSession } from 'box-node-sdk/networking';
import https, { type AgentOptions } from 'node:https';
import { BoxSinkRetryStrategy } from './box-retry-strategy.js';

/** Longest a single Box request may take by default: five minutes. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

/**
 * Options a host or a test gives the Box factories, beyond the config: TLS options of the SDK's
 * own HTTPS agent (it does not use Node's global agent), e.g. `ca` for an API double's certificate.
 * @public
 */
export interface BoxTransportOptions {
  agentOptions?: AgentOptions;
}

/**
 * The SDK's network session: our retry strategy (Retry-After honoured for 202 commits, one
 * re-authentication after a 401, nothing else retried), a time limit per request, and, when
 * configured, custom base URLs.
 * @public
 */
export function boxNetworkSession(urls: { baseUrl?: string; uploadUrl?: string }, transport: BoxTransportOptions = {}, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): NetworkSession {
  const session = new NetworkSession({
    // A request that never answers would otherwise hold its filing forever.
    timeoutConfig: { timeoutMs: requestTimeoutMs },
    retryStrategy: new BoxSinkRetryStrategy(),
    ...(urls.baseUrl === undefined ? {} : { baseUrls: new BaseUrls({ baseUrl: urls.baseUrl, uploadUrl: urls.uploadUrl ?? `${urls.baseUrl}/api` }) }),
  });
  // The SDK builds its agent from these options only through withCustomAgentOptions.
  const agentOptions = transport.agentOptions ?? inheritedAgentOptions();
  return agentOptions ? session.withCustomAgentOptions(agentOptions) : session;
}

/**
 * The SDK makes its own HTTPS agent, which ignores certificate authorities added to Node's global
 * agent (by a host for a TLS-inspecting proxy, or by tests for an API double). When some were
 * added, its agent gets them too, with keep-alive so the larger trust store is built once per
 * connection, not per request.
 */
function inheritedAgentOptions(): AgentOptions | undefined {
  const ca = https.globalAgent.options.ca;
  return ca === undefined ? undefined : { ca, keepAlive: true };
}
