import { GraphError } from '@microsoft/microsoft-graph-client';
import {
  FilingSyncError,
  PermanentError,
  TransientError,
  headerValue,
  httpStatusError,
  parseRetryAfter,
  toFilingSyncError,
} from '@filing-sync/core';

/** What the sink reads from a Graph failure. */
export interface GraphFailure {
  /** HTTP status; `undefined` when no response arrived (reset, refused, timed out, aborted). */
  status: number | undefined;
  /** `error.code` of the body, e.g. `nameAlreadyExists`. */
  code: string | undefined;
  /** `error.innerError.code`, e.g. `pathIsTooLong`. */
  innerCode: string | undefined;
  message: string;
  retryAfter: string | undefined;
}

/** Reads a Graph SDK error (or anything thrown through it) into a {@link GraphFailure}. */
export function graphFailure(err: unknown): GraphFailure {
  if (err instanceof GraphError) {
    let innerCode: string | undefined;
    if (typeof err.body === 'string') {
      try {
        const body = JSON.parse(err.body) as { innerError?: { code?: unknown }; innererror?: { code?: unknown } };
        const inner = body.innerError?.code ?? body.innererror?.code;
        if (typeof inner === 'string') innerCode = inner;
      } catch {
        // Not JSON: a transport error's text.
      }
    }
    const status = err.statusCode > 0 ? err.statusCode : undefined;
    return {
      status,
      code: err.code ?? undefined,
      innerCode,
      message: err.message || (status ? `HTTP ${status}` : 'no response'),
      retryAfter: headerValue(err.headers, 'retry-after'),
    };
  }
  return { status: undefined, code: undefined, innerCode: undefined, message: (err as Error)?.message ?? String(err), retryAfter: undefined };
}

/**
 * Maps a Graph failure into the taxonomy. `what` names the operation for the message.
 * 429/503/504 (and 500/502/509, 423 locked) → {@link TransientError} with `Retry-After`;
 * 401 → AuthError (the caller has already refreshed once); 403 → PermissionDenied;
 * 404 → TargetMissing; 400 `pathIsTooLong`, 507 insufficient storage, other 4xx → {@link PermanentError}
 * with the service's reason; no response at all → {@link TransientError}.
 */
export function fromGraphError(err: unknown, what: string): FilingSyncError {
  if (err instanceof FilingSyncError) return err;
  if (!(err instanceof GraphError)) return toFilingSyncError(err);
  const f = graphFailure(err);
  const reason = `${f.code ? `${f.code}: ` : ''}${f.message}`;
  if (f.status === undefined) {
    if (f.code === 'AbortError') return new TransientError(`${what} was aborted`, { cause: err });
    return new TransientError(`${what} failed: no response from Microsoft Graph (${f.message})`, { cause: err });
  }
  if (f.status === 400 && (f.innerCode === 'pathIsTooLong' || f.code === 'pathIsTooLong')) {
    return new PermanentError(`${what} failed: the path is too long for OneDrive/SharePoint (${reason})`, {
      cause: err,
      action: 'Shorten the target folder path or the name template.',
    });
  }
  if (f.status === 400 && /\/me request is only valid with delegated authentication/i.test(f.message)) {
    return new PermanentError(`${what} failed: onedrive:/ means the signed-in user's drive, which app-only credentials do not have (${reason})`, {
      cause: err,
      action: 'With app-only credentials name the drive: onedrive://<drive-id>/folder, or use a sharepoint:// target.',
    });
  }
  if (f.status === 507) {
    return new PermanentError(`${what} failed: insufficient storage in the drive (${reason})`, {
      cause: err,
      action: 'Free space in the drive or site, or raise its storage quota.',
    });
  }
  if (f.status === 423 || f.status === 509) {
    return new TransientError(`${what} failed: HTTP ${f.status} (${reason})`, { cause: err, retryAfterMs: parseRetryAfter(f.retryAfter) });
  }
  return httpStatusError(f.status, `${what} failed: HTTP ${f.status} (${reason})`, { cause: err, retryAfter: f.retryAfter });
}

/** True when `err` is a Graph reply with this status (and, if given, this `error.code`). */
export function isGraphStatus(err: unknown, status: number, code?: string): boolean {
  if (!(err instanceof GraphError) || err.statusCode !== status) return false;
  return code === undefined || err.code === code;
}
