import type { FetchOptions, FetchResponse, RetryStrategy } from 'box-node-sdk/networking';
import { headerValue, parseRetryAfter } from '@filing-sync/core';

/**
 * The retry strategy handed to box-node-sdk in place of its own (which never finds `Retry-After`,
 * because the SDK stores header names lower-cased and looks for `Retry-After`).
 *
 * It retries only two things, once each kind, so that the engine alone decides retries:
 * - a 401: re-authenticate once (`auth.refreshToken`, which goes to the credential broker), then
 *   repeat the call; a second 401 surfaces as an error;
 * - a 202 with `retry-after` (an upload-session commit that is not ready yet): wait as told and
 *   commit again, at most `maxCommitPolls` times, within the upload session that is open.
 * Everything else (429, 5xx, network failures) is returned at once and mapped to a
 * TransientError carrying the `retry-after` value.
 * @public
 */
export class BoxSinkRetryStrategy implements RetryStrategy {
  constructor(
    /** How often a 202 commit is polled before giving up (the engine then retries the filing). */
    readonly maxCommitPolls = 10,
    /** Longest wait honoured for one 202, in seconds. */
    readonly maxCommitWaitSeconds = 60,
  ) {}

  async shouldRetry(fetchOptions: FetchOptions, fetchResponse: FetchResponse, attemptNumber: number): Promise<boolean> {
    if (fetchResponse.status === 401 && attemptNumber === 1 && fetchOptions.auth !== undefined) {
      await fetchOptions.auth.refreshToken(fetchOptions.networkSession);
      return true;
    }
    if (fetchResponse.status === 202 && headerValue(fetchResponse.headers, 'retry-after') !== undefined) {
      return attemptNumber <= this.maxCommitPolls;
    }
    return false;
  }

  /** Seconds to wait: the 202's `retry-after` (capped), none after a re-authentication. */
  retryAfter(_fetchOptions: FetchOptions, fetchResponse: FetchResponse, _attemptNumber: number): number {
    if (fetchResponse.status !== 202) return 0;
    const ms = parseRetryAfter(headerValue(fetchResponse.headers, 'retry-after')) ?? 1000;
    return Math.min(ms / 1000, this.maxCommitWaitSeconds);
  }
}
