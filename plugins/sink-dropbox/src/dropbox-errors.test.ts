import { expect } from 'chai';
import { DropboxResponseError } from 'dropbox';
import { AuthError, PermanentError, PermissionDenied, TargetMissing, TransientError } from '@filing-sync/core';
import { incorrectOffset, mapDropboxError } from './dropbox-errors.js';

/** A Dropbox endpoint error as the SDK throws it (headers as the global fetch gives them). */
function dropboxError(status: number, body: unknown, headers: Record<string, string> = {}): DropboxResponseError<unknown> {
  return new (DropboxResponseError as unknown as new (s: number, h: Headers, e: unknown) => DropboxResponseError<unknown>)(status, new Headers(headers), body);
}

describe('Dropbox error mapping', () => {
  const cases: Array<[string, DropboxResponseError<unknown>, new (...a: never[]) => Error, number?]> = [
    ['429 too_many_requests with Retry-After', dropboxError(429, { error_summary: 'too_many_requests/..', error: { reason: { '.tag': 'too_many_requests' }, retry_after: 300 } }, { 'Retry-After': '300' }), TransientError, 300_000],
    ['429 without a header: the body\'s retry_after', dropboxError(429, { error_summary: 'too_many_write_operations/..', error: { reason: { '.tag': 'too_many_write_operations' }, retry_after: 15 } }), TransientError, 15_000],
    ['409 too_many_write_operations from a session finish', dropboxError(409, { error_summary: 'too_many_write_operations/', error: { '.tag': 'too_many_write_operations' } }), TransientError],
    ['409 content_hash_mismatch (bytes damaged on the way)', dropboxError(409, { error_summary: 'content_hash_mismatch/', error: { '.tag': 'content_hash_mismatch' } }), TransientError],
    ['insufficient_space', dropboxError(409, { error_summary: 'path/insufficient_space/..', error: { '.tag': 'path', reason: { '.tag': 'insufficient_space' } } }), PermanentError],
    ['malformed_path', dropboxError(409, { error_summary: 'path/malformed_path/', error: {} }), PermanentError],
    ['disallowed_name', dropboxError(409, { error_summary: 'path/disallowed_name/', error: {} }), PermanentError],
    ['no_write_permission', dropboxError(409, { error_summary: 'path/no_write_permission/..', error: {} }), PermissionDenied],
    ['403 access_error (team policy, missing scope)', dropboxError(403, { error_summary: 'access_error/...', error: {} }), PermissionDenied],
    ['401 expired_access_token', dropboxError(401, { error_summary: 'expired_access_token/', error: {} }), AuthError],
    ['422 path root refused', dropboxError(422, { error_summary: 'no_permission/', error: { '.tag': 'no_permission' } }), TargetMissing],
    ['path/not_found', dropboxError(409, { error_summary: 'path/not_found/', error: {} }), TargetMissing],
    ['500 with Retry-After', dropboxError(500, 'Internal Server Error', { 'retry-after': '4' }), TransientError, 4000],
    ['503 plain text', dropboxError(503, 'Service unavailable'), TransientError],
    ['400 bad input (plain text body)', dropboxError(400, 'Error in call to API function "files/upload": bad arg'), PermanentError],
  ];
  for (const [title, err, type, retryAfterMs] of cases) {
    it(`${title} → ${type.name}`, () => {
      const mapped = mapDropboxError(err, 'upload of /a.eml');
      expect(mapped).to.be.instanceOf(type);
      expect(mapped.message).to.match(/^upload of \/a\.eml failed: HTTP \d{3}/);
      if (retryAfterMs !== undefined) expect((mapped as TransientError).retryAfterMs).to.equal(retryAfterMs);
    });
  }

  it('maps a failed fetch (reset, refused) and a time-out to TransientError', () => {
    const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(mapDropboxError(reset, 'x')).to.be.instanceOf(TransientError).and.to.have.property('message').that.contains('UND_ERR_SOCKET');
    expect(mapDropboxError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'x')).to.be.instanceOf(TransientError);
  });

  it('reads the server\'s offset from append and finish errors', () => {
    expect(incorrectOffset(dropboxError(409, { error_summary: 'incorrect_offset/..', error: { '.tag': 'incorrect_offset', correct_offset: 8_388_608 } }))).to.equal(8_388_608);
    expect(incorrectOffset(dropboxError(409, { error_summary: 'lookup_failed/incorrect_offset/..', error: { '.tag': 'lookup_failed', lookup_failed: { '.tag': 'incorrect_offset', correct_offset: 42 } } }))).to.equal(42);
    expect(incorrectOffset(dropboxError(409, { error_summary: 'path/conflict/file/..', error: {} }))).to.equal(undefined);
  });
});
