import { expect } from 'chai';
import { PermissionDenied, TargetMissing, TransientError } from '../errors.js';
import { accessFromError } from './access-from-error.js';

describe('accessFromError', () => {
  it('answers denied and missing, and throws anything else mapped into the taxonomy', () => {
    expect(accessFromError(new PermissionDenied('no'))).to.equal('denied');
    expect(accessFromError(new TargetMissing('gone'))).to.equal('missing');
    const transient = new TransientError('busy');
    expect(() => accessFromError(transient)).to.throw(transient);
    expect(() => accessFromError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).to.throw(TransientError);
  });
});
