/**
 * Maps HTTP failures into the error taxonomy, for sinks that talk to a REST API themselves
 * (with axios) rather than through an SDK that maps its own errors.
 * @packageDocumentation
 */
import {
  AuthError,
  type FilingSyncError,
  type FilingSyncErrorOptions,
  PermanentError,
  PermissionDenied,
  TargetMissing,
  TransientError,
  parseRetryAfter,
  toFilingSyncError,
} from '../errors.js';

/** Response headers as HTTP clients expose them: a plain record or an object with `get`. */
export type HeaderBag =
  | Readonly<Record<string, unknown>>
  | { get(name: string): unknown };

/**
 * Reads one header from a {@link HeaderBag}, case-insensitively; `undefined` when absent.
 * @public
 */
export function headerValue(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  let value: unknown;
  if (typeof (headers as { get?: unknown }).get === 'function') value = (headers as { get(n: string): unknown }).get(name);
  else {
    const wanted = name.toLowerCase();
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) value = v;
  }
  if (value === undefined || value === null || value === false) return undefined;
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

/**
 * The taxonomy error for an HTTP status: 401 → {@link AuthError}; 403 → {@link PermissionDenied};
 * 404/410 → {@link TargetMissing}; 408, 409 with Retry-After, 425, 429, 500, 502, 503, 504 →
 * {@link TransientError} (with `retryAfterMs` from `Retry-After`); anything else (400, 413, 507...) →
 * {@link PermanentError}. Services with their own conventions (Egnyte's throttling 403) decide
 * those cases before calling this.
 * @public
 */
export function httpStatusError(
  status: number,
  message: string,
  options: FilingSyncErrorOptions & { retryAfter?: string } = {},
): FilingSyncError {
  const { retryAfter, ...rest } = options;
  const retryAfterMs = parseRetryAfter(retryAfter);
  if (status === 401) return new AuthError(message, rest);
  if (status === 403) return new PermissionDenied(message, rest);
  if (status === 404 || status === 410) return new TargetMissing(message, rest);
  if (TRANSIENT_STATUSES.has(status) || (status === 409 && retryAfterMs !== undefined)) {
    return new TransientError(message, { ...rest, retryAfterMs });
  }
  return new PermanentError(message, rest);
}

const TRANSIENT_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/** The parts of an HTTP client's error that {@link fromHttpClientError} reads (axios' shape). */
export interface HttpClientErrorLike {
  message?: string;
  code?: string;
  response?: { status: number; headers?: HeaderBag; data?: unknown };
}

/**
 * Maps an error thrown by an HTTP client (axios) into the taxonomy. With a response, by
 * {@link httpStatusError}; without one (reset, refused, timed out, aborted), a
 * {@link TransientError}. `what` names the operation for the message, e.g. `upload of "a.eml"`;
 * the service's own error text (`detail(data)`) is appended when it gives one. Never includes
 * request headers, so no credential reaches a log.
 * @public
 */
export function fromHttpClientError(
  err: unknown,
  what: string,
  detail: (data: unknown) => string | undefined = defaultDetail,
): FilingSyncError {
  const e = err as HttpClientErrorLike | undefined;
  if (e?.response && typeof e.response.status === 'number') {
    const { status, headers, data } = e.response;
    const said = detail(data);
    return httpStatusError(status, `${what} failed: HTTP ${status}${said ? ` (${said})` : ''}`, {
      cause: err,
      retryAfter: headerValue(headers, 'retry-after'),
    });
  }
  if (e && typeof e.code === 'string' && e.code.length > 0) {
    return new TransientError(`${what} failed: ${e.code}${e.message ? ` (${e.message})` : ''}`, { cause: err });
  }
  return toFilingSyncError(err);
}

/** The usual places REST APIs put their error text: `errorMessage`, `message`, `error`, plain text. */
function defaultDetail(data: unknown): string | undefined {
  if (typeof data === 'string') return data.trim().slice(0, 300) || undefined;
  if (Buffer.isBuffer(data)) return data.toString('utf8').trim().slice(0, 300) || undefined;
  if (data && typeof data === 'object') {
    const o = data as Record<string, unknown>;
    for (const key of ['errorMessage', 'message', 'error_description', 'error']) {
      const v = o[key];
      if (typeof v === 'string' && v) return v;
    }
  }
  return undefined;
}
