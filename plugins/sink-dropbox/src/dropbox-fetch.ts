import { ConfigError, urlForDisplay } from '@filing-sync/core';

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
    throw new ConfigError([{ key, expected: 'an absolute http(s) URL', found: urlForDisplay(baseUrl) }]);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new ConfigError([{ key, expected: 'an http(s) URL', found: urlForDisplay(baseUrl) }]);
  return (input, init) => {
    const original = new URL(input instanceof Request ? input.url : String(input));
    return limited(new URL(original.pathname + original.search, base), init);
  };
}
