import { BoxApiError, BoxSdkError } from 'box-node-sdk/box';
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

/**
 * Least wait before committing again after `parts_mismatch`: Box's parts list can lag the last part
 * for a moment (rclone's Box backend waits 10 s and commits again), so an instant retry would only
 * meet the same answer.
 * @public
 */
export const PARTS_MISMATCH_WAIT_MS = 1_000;

/**
 * Whether `err` is Box's 410 for an upload session that expired (`session_expired`) or that Box
 * gave up on (`upload_failed`): the session is dead, but a new one may well succeed.
 * @public
 */
export function uploadSessionGone(err: unknown): boolean {
  const c = boxErrorCode(err);
  return c?.status === 410 && (c.code === 'session_expired' || c.code === 'upload_failed');
}

/** What to do about an upload session Box has expired or given up on. */
export const SESSION_EXPIRED_ACTION = 'Nothing: the next attempt uploads the file again in a new upload session.';

/** Status and `code` of a Box API error, or `undefined` for anything else. */
export function boxErrorCode(err: unknown): { status: number; code: string } | undefined {
  if (!(err instanceof BoxApiError)) return undefined;
  return { status: err.responseInfo.statusCode, code: codeOf(err) };
}

/** The error body's `code` (the SDK's `responseInfo.code` holds it JSON-encoded, quotes included). */
function codeOf(err: BoxApiError): string {
  const body = err.responseInfo.body as { code?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.code === 'string') return body.code;
  const raw = err.responseInfo.code;
  return typeof raw === 'string' ? raw.replace(/^"|"$/g, '') : '';
}

/**
 * The conflicting item of a 409 `item_name_in_use` (from a preflight, an upload or a folder
 * creation), or `undefined` when `err` is not one.
 * @public
 */
export function nameInUse(err: unknown): { type: string; id: string; sha1?: string; name?: string } | undefined {
  const c = boxErrorCode(err);
  if (!c || c.status !== 409 || c.code !== 'item_name_in_use') return undefined;
  const raw = (err as BoxApiError).responseInfo.contextInfo?.conflicts as unknown;
  // Folder creation lists conflicts in an array; uploads and preflights give one object.
  const item = (Array.isArray(raw) ? raw[0] : raw) as { type?: string; id?: string; sha1?: string; name?: string } | undefined;
  if (!item || typeof item.id !== 'string') return { type: 'unknown', id: '' };
  return { type: item.type ?? 'file', id: item.id, ...(item.sha1 ? { sha1: item.sha1 } : {}), ...(item.name ? { name: item.name } : {}) };
}

/**
 * Maps what box-node-sdk threw into the error taxonomy. `what` names the operation.
 *
 * - 401 (after the one re-authentication the retry strategy makes) → {@link AuthError};
 * - 403 `file_size_limit_exceeded` / `storage_limit_exceeded`, 413 → {@link PermanentError};
 *   other 403 → {@link PermissionDenied};
 * - 404 → {@link TargetMissing} (the folder went away);
 * - 429, 5xx, 409 `operation_blocked_temporary` → {@link TransientError} with `retryAfterMs` from
 *   `retry-after` (read case-insensitively: the SDK lower-cases header names);
 * - 409 `name_temporarily_reserved` → {@link TransientError}: Box holds the name for another
 *   request creating the same item ("Wait and then retry the request, or wait and check the parent
 *   folder to see if the name is in use"); the next attempt finds the name free or taken;
 * - 400 `parts_mismatch` from an upload-session commit → {@link TransientError} (waiting at least
 *   {@link PARTS_MISMATCH_WAIT_MS}): Box answers it for a moment after the last part while its parts
 *   list catches up, and a list that really differs is fixed by a new session, never by giving up;
 * - 410 `session_expired` / `upload_failed` from an upload session → {@link TransientError}: the
 *   session is dead, not the folder (core's generic 410 would say {@link TargetMissing}), and the
 *   next attempt opens a new session;
 * - 400 `item_name_invalid` / `item_name_too_long` and other 4xx → {@link PermanentError};
 * - no response (reset, refused, timeout) → {@link TransientError}.
 * @public
 */
export function mapBoxError(err: unknown, what: string): FilingSyncError {
  if (err instanceof BoxApiError) {
    const status = err.responseInfo.statusCode;
    const code = codeOf(err);
    const said = [code, typeof err.responseInfo.body === 'object' && err.responseInfo.body && 'message' in err.responseInfo.body ? String((err.responseInfo.body as { message?: unknown }).message) : '']
      .filter(Boolean).join(': ');
    const message = `${what} failed: HTTP ${status}${said ? ` (${said})` : ''}`;
    const retryAfter = headerValue(err.responseInfo.headers, 'retry-after');
    const options = { cause: err };
    if (status === 401) return new AuthError(message, options);
    if (code === 'file_size_limit_exceeded' || code === 'storage_limit_exceeded' || status === 413 || status === 507) {
      return new PermanentError(message, { ...options, action: 'The file is over the Box account\'s size or storage limit; it will not be retried.' });
    }
    if (status === 403) return new PermissionDenied(message, options);
    if (status === 404) return new TargetMissing(message, options);
    if (code === 'operation_blocked_temporary') return new TransientError(message, { ...options, retryAfterMs: parseRetryAfter(retryAfter) });
    // Another request is creating an item of this name; waiting settles it either way.
    if (code === 'name_temporarily_reserved') {
      return new TransientError(message, { ...options, retryAfterMs: parseRetryAfter(retryAfter), action: 'Nothing: it is tried again once the other upload of this name has finished.' });
    }
    if (code === 'parts_mismatch') {
      return new TransientError(message, { ...options, retryAfterMs: parseRetryAfter(retryAfter) ?? PARTS_MISMATCH_WAIT_MS });
    }
    // Before core's generic 410 → TargetMissing: a dead upload session says nothing about the folder.
    if (uploadSessionGone(err)) {
      return new TransientError(`${message}; the upload session expired`, { ...options, action: SESSION_EXPIRED_ACTION });
    }
    return httpStatusError(status, message, { ...options, ...(retryAfter === undefined ? {} : { retryAfter }) });
  }
  if (err instanceof BoxSdkError) {
    // The SDK wraps failures without a response (reset, refused, timeout) and keeps the cause.
    if (err.error !== undefined || /timeout|ECONN|socket|network|fetch/i.test(err.message)) {
      return new TransientError(`${what} failed: ${err.message}`, { cause: err });
    }
    return new PermanentError(`${what} failed: ${err.message}`, { cause: err });
  }
  return toFilingSyncError(err);
}
