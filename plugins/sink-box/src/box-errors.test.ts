import { expect } from 'chai';
import { BoxApiError, BoxSdkError } from 'box-node-sdk/box';
import { AuthError, PermanentError, PermissionDenied, TargetMissing, TransientError } from '@filing-sync/core';
import { mapBoxError, nameInUse } from './box-errors.js';

/** A Box API error as box-node-sdk 10 throws it: header names lower-cased, `code` JSON-encoded. */
function boxError(status: number, code: string, headers: Record<string, string> = {}, contextInfo?: Record<string, unknown>): BoxApiError {
  return new BoxApiError({
    message: `${status} "${code}"`,
    timestamp: String(Date.now()),
    requestInfo: { method: 'POST', url: 'https://api.box.com/2.0/x', queryParams: {}, headers: {} },
    responseInfo: { statusCode: status, headers, body: { type: 'error', status, code, message: 'said' }, code: JSON.stringify(code), ...(contextInfo ? { contextInfo } : {}) },
  });
}

describe('Box error mapping', () => {
  const cases: Array<[string, unknown, new (...a: never[]) => Error, number?]> = [
    ['429 rate_limit_exceeded with retry-after', boxError(429, 'rate_limit_exceeded', { 'retry-after': '9' }), TransientError, 9000],
    ['503 with retry-after', boxError(503, 'unavailable', { 'retry-after': '2' }), TransientError, 2000],
    ['500', boxError(500, 'internal_server_error'), TransientError],
    ['409 operation_blocked_temporary', boxError(409, 'operation_blocked_temporary', { 'retry-after': '1' }), TransientError, 1000],
    ['409 name_temporarily_reserved (a concurrent upload of the name)', boxError(409, 'name_temporarily_reserved'), TransientError],
    ['400 parts_mismatch from a commit, waiting at least a second', boxError(400, 'parts_mismatch'), TransientError, 1000],
    ['410 session_expired from an upload session (the session, not the folder)', boxError(410, 'session_expired'), TransientError],
    ['410 upload_failed from an upload session', boxError(410, 'upload_failed'), TransientError],
    ['401 after re-authentication', boxError(401, 'unauthorized'), AuthError],
    ['403 access_denied_insufficient_permissions', boxError(403, 'access_denied_insufficient_permissions'), PermissionDenied],
    ['403 file_size_limit_exceeded', boxError(403, 'file_size_limit_exceeded'), PermanentError],
    ['403 storage_limit_exceeded', boxError(403, 'storage_limit_exceeded'), PermanentError],
    ['404 not_found', boxError(404, 'not_found'), TargetMissing],
    ['400 item_name_invalid', boxError(400, 'item_name_invalid'), PermanentError],
    ['no response (reset)', new BoxSdkError({ message: 'request to https://upload.box.com/api/2.0/files/content failed, reason: socket hang up', error: new Error('socket hang up') }), TransientError],
    ['time-out', new BoxSdkError({ message: 'Connection timeout after 2000ms', error: new Error('Connection timeout after 2000ms') }), TransientError],
  ];
  for (const [title, err, type, retryAfterMs] of cases) {
    it(`${title} → ${type.name}`, () => {
      const mapped = mapBoxError(err, 'upload of box:/a.eml');
      expect(mapped).to.be.instanceOf(type);
      expect(mapped.message).to.contain('upload of box:/a.eml failed');
      if (retryAfterMs !== undefined) expect((mapped as TransientError).retryAfterMs).to.equal(retryAfterMs);
    });
  }

  it('reads the conflicting item of item_name_in_use (an object from preflights, an array from folders)', () => {
    expect(nameInUse(boxError(409, 'item_name_in_use', {}, { conflicts: { type: 'file', id: '11', sha1: 'ab', name: 'a.eml' } }))).to.deep.equal({ type: 'file', id: '11', sha1: 'ab', name: 'a.eml' });
    expect(nameInUse(boxError(409, 'item_name_in_use', {}, { conflicts: [{ type: 'folder', id: '12', name: 'A' }] }))).to.deep.equal({ type: 'folder', id: '12', name: 'A' });
    expect(nameInUse(boxError(409, 'conflict'))).to.equal(undefined);
  });
});
