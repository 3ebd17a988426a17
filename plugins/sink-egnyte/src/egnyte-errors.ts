import { type FilingSyncError, TransientError, fromHttpClientError, headerValue, parseRetryAfter, type HttpClientErrorLike } from '@filing-sync/core';

/** Mashery's codes for a token over its per-second and per-day limits. */
const THROTTLE_CODES = new Set(['ERR_403_DEVELOPER_OVER_QPS', 'ERR_403_DEVELOPER_OVER_RATE']);

/**
 * Whether an error is Egnyte's throttling reply: a 403 carrying `X-Mashery-Error-Code`
 * `ERR_403_DEVELOPER_OVER_QPS` (per second) or `ERR_403_DEVELOPER_OVER_RATE` (per day).
 * Any other 403 is a real permission refusal.
 */
export function masheryThrottle(err: unknown): { code: string; retryAfterMs: number | undefined } | undefined {
  const response = (err as HttpClientErrorLike | undefined)?.response;
  if (response?.status !== 403) return undefined;
  const code = headerValue(response.headers, 'x-mashery-error-code');
  if (!code || !THROTTLE_CODES.has(code)) return undefined;
  return { code, retryAfterMs: parseRetryAfter(headerValue(response.headers, 'retry-after')) };
}

/**
 * Maps an axios error from the Egnyte API into the taxonomy: Mashery throttling →
 * {@link TransientError} with `retryAfterMs`; other statuses as core's `fromHttpClientError`
 * (401 → AuthError, 403 → PermissionDenied, 404 → TargetMissing, 5xx → TransientError ...).
 * `what` names the operation and path for the message.
 */
export function egnyteError(err: unknown, what: string): FilingSyncError {
  const throttle = masheryThrottle(err);
  if (throttle) {
    const daily = throttle.code.endsWith('OVER_RATE');
    return new TransientError(
      `${what} was throttled by Egnyte (${throttle.code}: ${daily ? 'daily call quota' : 'calls per second'} exceeded).`,
      { cause: err, retryAfterMs: throttle.retryAfterMs },
    );
  }
  return fromHttpClientError(err, what);
}
