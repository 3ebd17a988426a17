import { expect } from 'chai';
import { PermanentError, PermissionDenied, TargetMissing, TransientError } from '@filing-sync/core';
import { mapFsError } from './fs-errors.js';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed`), { code });

describe('mapFsError', () => {
  it('maps errno codes into the taxonomy, keeping the cause', () => {
    const cases: [string, Function][] = [
      ['EACCES', PermissionDenied], ['EPERM', PermissionDenied], ['EROFS', PermissionDenied],
      ['ENOSPC', TransientError], ['EDQUOT', TransientError], ['EBUSY', TransientError],
      ['ENOENT', TargetMissing], ['ENAMETOOLONG', PermanentError], ['EISDIR', PermanentError],
    ];
    for (const [code, type] of cases) {
      const mapped = mapFsError(errno(code), 'D:\\Projects\\x.eml');
      expect(mapped, code).to.be.instanceOf(type);
      expect(mapped.message).to.include('D:\\Projects\\x.eml');
      expect((mapped.cause as NodeJS.ErrnoException).code).to.equal(code);
    }
    expect(mapFsError(errno('ENOSPC'), 'x').action).to.match(/stays pending/);
  });

  it('keeps a filing pending while a network share is offline: Windows errors Node cannot name and lost connections are transient', () => {
    // What Node reports on Windows for an offline server: libuv has no code for ERROR_BAD_NETPATH and its kin.
    const offline = Object.assign(new Error("UNKNOWN: unknown error, lstat '\\\\fs01\\projects'"), { code: 'UNKNOWN', errno: -4094 });
    const mapped = mapFsError(offline, '\\\\fs01\\projects');
    expect(mapped).to.be.instanceOf(TransientError);
    expect(mapped.action).to.match(/share/).and.to.match(/stays pending/);
    for (const code of ['ENOTCONN', 'ENETDOWN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE']) {
      expect(mapFsError(errno(code), '\\\\fs01\\projects'), code).to.be.instanceOf(TransientError);
    }
  });

  it('passes taxonomy errors through', () => {
    const e = new PermissionDenied('no');
    expect(mapFsError(e, 'x')).to.equal(e);
  });
});
