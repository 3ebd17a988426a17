import { fromHttpClientError, type FilingSyncError } from '@filing-sync/core';

/**
 * Maps an axios failure of a WebDAV call into the taxonomy, by core's HTTP mapping: 401 →
 * AuthError, 403 → PermissionDenied, 404 → TargetMissing, 429/5xx → TransientError with
 * `retryAfterMs`, 507 (quota) and other 4xx → PermanentError, no response (reset, timeout) →
 * TransientError. `what` names the call, e.g. `upload of "a.eml"`.
 */
export function webDavError(err: unknown, what: string): FilingSyncError {
  return fromHttpClientError(err, what, serverText);
}

/** Servers answer errors with a small HTML page; its heading is the useful part. */
function serverText(data: unknown): string | undefined {
  const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : undefined;
  if (!text) return undefined;
  const heading = /<h1>([^<]{1,200})<\/h1>/i.exec(text) ?? /<title>([^<]{1,200})<\/title>/i.exec(text);
  if (heading) return heading[1]!.trim();
  return text.startsWith('<') ? undefined : text.trim().slice(0, 200) || undefined;
}
