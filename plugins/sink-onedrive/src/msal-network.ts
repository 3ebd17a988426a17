// Types only: this module is loaded with MSAL, by MsalCredentialProvider's first token request.
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/** What the identity platform answered to a request that failed, as far as retrying needs it. */
export interface FailedReply {
  /** HTTP status, e.g. 429. */
  status: number;
  /** The `Retry-After` header as sent, if any. */
  retryAfter: string | undefined;
}

/**
 * MSAL's network module (its `system.networkClient` option) doing what MSAL's own does (the
 * global `fetch`, JSON bodies, an optional timeout on GETs) and also keeping, per correlation id,
 * the status and `Retry-After` of every reply that is not a success: MSAL's errors carry no
 * response headers, and a throttling reply whose body is not JSON reaches the caller without even
 * its status. Rejects like `fetch` when no reply arrives, and with an Error when a reply's body is
 * not JSON (MSAL turns both into its `network_error`).
 */
export class RecordingNetworkClient implements INetworkModule {
  private readonly failed = new Map<string, FailedReply>();

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'GET', options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'POST', options);
  }

  /** The failed reply to the request made with `correlationId`, if there was one; forgotten once taken. Never throws. */
  take(correlationId: string): FailedReply | undefined {
    const reply = this.failed.get(correlationId);
    this.failed.delete(correlationId);
    return reply;
  }

  private async send<T>(url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    const response = await fetch(url, {
      method,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      ...(timeout ? { signal: AbortSignal.timeout(timeout) } : {}),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    if (!response.ok && options?.correlationId) {
      this.failed.set(options.correlationId, { status: response.status, retryAfter: headers['retry-after'] });
    }
    const text = await response.text();
    try {
      return { headers, body: JSON.parse(text) as T, status: response.status };
    } catch {
      throw new Error(`The identity platform answered HTTP ${response.status} with a body that is not JSON.`);
    }
  }
}
