import { DropboxResponseError } from 'dropbox';
import {
  AuthError,
  type FilingSyncError,
  PermanentError,
  PermissionDenied,
  TargetMissing,
  TransientError,
  headerValue,
  httpStatusError,
  parseRetryAfter,
  toFilingSyncError,
} from '@filing-sync/core';

/** The body of a Dropbox endpoint error (HTTP 409, 429, 401...). */
interface DropboxErrorBody {
  error_summary?: string;
  error?: Record<string, unknown> & { retry_after?: number; reason?: unknown };
}

/**
 * The `error_summary` of a Dropbox error (`path/conflict/file/..`), or `''` when the error is
 * not a Dropbox endpoint error.
 * @public
 */
export function dropboxErrorSummary(err: unknown): string {
  if (!(err instanceof DropboxResponseError)) return '';
  const body = err.error as DropboxErrorBody | string | undefined;
  return typeof body === 'object' && body && typeof body.error_summary === 'string' ? body.error_summary : '';
}

/** True when `err` is a Dropbox 401 (expired or revoked access token). */
export function isDropboxUnauthorized(err: unknown): boolean {
  return err instanceof DropboxResponseError && err.status === 401;
}

/**
 * The server's offset when `err` is an upload-session `incorrect_offset` error (from `append_v2`
 * or `finish`), else `undefined`.
 * @public
 */
export function incorrectOffset(err: unknown): number | undefined {
  if (!(err instanceof DropboxResponseError) || err.status !== 409) return undefined;
  if (!/(^|\/)incorrect_offset\//.test(dropboxErrorSummary(err))) return undefined;
  return findCorrectOffset((err.error as DropboxErrorBody).error);
}

function findCorrectOffset(value: unknown): number | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o.correct_offset === 'number') return o.correct_offset;
  for (const v of Object.values(o)) {
    const found = findCorrectOffset(v);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Maps what the Dropbox SDK threw into the error taxonomy. `what` names the operation for the
 * message, e.g. `upload of "/Projects/a.eml"`.
 *
 * - 429 `too_many_requests` / `too_many_write_operations` (also as 409 from a session finish) →
 *   {@link TransientError} with `retryAfterMs` from `Retry-After` (or the body's `retry_after`);
 * - 409 `content_hash_mismatch` (the bytes Dropbox received do not match the `content_hash` sent
 *   with them, so they were damaged on the way; nothing was stored) → {@link TransientError}:
 *   sending them again succeeds;
 * - `insufficient_space`, `malformed_path`, `disallowed_name`, `too_large`, `payload_too_large`
 *   → {@link PermanentError}; `no_write_permission` → {@link PermissionDenied};
 * - 401 → {@link AuthError}; 403 (`access_error`) → {@link PermissionDenied};
 * - 422 (`Dropbox-API-Path-Root` refused: `invalid_root`, `no_permission`) → {@link TargetMissing};
 * - 5xx → {@link TransientError}; network failures (no response) → {@link TransientError}.
 * @public
 */
export function mapDropboxError(err: unknown, what: string): FilingSyncError {
  if (!(err instanceof DropboxResponseError)) {
    // The global fetch reports resets and refusals as TypeError('fetch failed') with the cause.
    if (err instanceof TypeError && err.cause !== undefined) {
      const cause = err.cause as { code?: string; message?: string };
      return new TransientError(`${what} failed: ${cause.code ?? cause.message ?? err.message}`, { cause: err });
    }
    return toFilingSyncError(err);
  }
  const summary = dropboxErrorSummary(err);
  const body = typeof err.error === 'object' && err.error ? (err.error as DropboxErrorBody) : undefined;
  const said = summary || (typeof err.error === 'string' ? err.error.slice(0, 200) : '');
  const message = `${what} failed: HTTP ${err.status}${said ? ` (${said})` : ''}`;
  const options = { cause: err };
  const retryAfterMs = parseRetryAfter(headerValue(err.headers as never, 'retry-after'))
    ?? (typeof body?.error?.retry_after === 'number' ? body.error.retry_after * 1000 : undefined);
  if (err.status === 429 || /too_many_write_operations|too_many_requests/.test(summary)) {
    return new TransientError(message, { ...options, retryAfterMs });
  }
  // The sink hashes exactly the bytes it sends, so a mismatch means they changed on the way: nothing was
  // stored, and the next attempt (which sends them afresh) succeeds. Not the generic 409 → PermanentError.
  if (/(^|\/)content_hash_mismatch\//.test(summary)) {
    return new TransientError(`${message}: the data was damaged on the way to Dropbox`, { ...options, action: 'Nothing: it is sent again automatically. If this repeats, check proxies or antivirus that inspect HTTPS traffic.' });
  }
  if (err.status === 401) return new AuthError(message, options);
  if (/insufficient_space/.test(summary)) {
    return new PermanentError(message, { ...options, action: 'Free space in the Dropbox account or raise its quota; this file will not be retried.' });
  }
  if (/malformed_path|disallowed_name|too_large|payload_too_large|too_many_files/.test(summary)) return new PermanentError(message, options);
  if (/no_write_permission/.test(summary) || err.status === 403) return new PermissionDenied(message, options);
  // A Path-Root namespace that is gone or not ours: the target's root does not exist.
  if (err.status === 422) {
    return new TargetMissing(`${message}: the namespace in sinks.dropbox.pathRoot is unknown or not shared with this account`, {
      ...options, action: 'Check sinks.dropbox.pathRoot and that the shared or team folder still exists and is shared with the account.',
    });
  }
  if (/^path\/not_found\//.test(summary)) return new TargetMissing(message, options);
  if (err.status === 409) return new PermanentError(message, options);
  return httpStatusError(err.status, message, { ...options, retryAfter: headerValue(err.headers as never, 'retry-after') });
}
