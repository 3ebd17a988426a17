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

  it('passes taxonomy errors through', () => {
    const e = new PermissionDenied('no');
    expect(mapFsError(e, 'x')).to.equal(e);
  });
});
