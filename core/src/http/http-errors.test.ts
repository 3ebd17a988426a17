import { expect } from 'chai';
import { AuthError, PermanentError, PermissionDenied, TargetMissing, TransientError } from '../errors.js';
import { fromHttpClientError, headerValue, httpStatusError } from './http-errors.js';

describe('http-errors', () => {
  it('maps statuses into the taxonomy', () => {
    expect(httpStatusError(401, 'x')).to.be.instanceOf(AuthError);
    expect(httpStatusError(403, 'x')).to.be.instanceOf(PermissionDenied);
    expect(httpStatusError(404, 'x')).to.be.instanceOf(TargetMissing);
    expect(httpStatusError(413, 'x')).to.be.instanceOf(PermanentError);
    expect(httpStatusError(400, 'x')).to.be.instanceOf(PermanentError);
    const t = httpStatusError(429, 'x', { retryAfter: '7' });
    expect(t).to.be.instanceOf(TransientError);
    expect((t as TransientError).retryAfterMs).to.equal(7000);
    expect(httpStatusError(503, 'x')).to.be.instanceOf(TransientError);
    expect(httpStatusError(409, 'x')).to.be.instanceOf(PermanentError);
    expect(httpStatusError(409, 'x', { retryAfter: '3' })).to.be.instanceOf(TransientError);
  });

  it('reads headers from plain records and from objects with get', () => {
    expect(headerValue({ 'Retry-After': '3' }, 'retry-after')).to.equal('3');
    expect(headerValue(new Headers({ 'retry-after': '4' }), 'Retry-After')).to.equal('4');
    expect(headerValue({}, 'retry-after')).to.equal(undefined);
  });

  it('maps client errors with and without a response, quoting the service but no request headers', () => {
    const withResponse = fromHttpClientError(
      { message: 'Request failed', config: { headers: { Authorization: 'Bearer secret' } }, response: { status: 503, headers: { 'retry-after': '2' }, data: { errorMessage: 'down' } } },
      'upload of "a.eml"',
    );
    expect(withResponse).to.be.instanceOf(TransientError);
    expect(withResponse.message).to.equal('upload of "a.eml" failed: HTTP 503 (down)');
    expect((withResponse as TransientError).retryAfterMs).to.equal(2000);
    const reset = fromHttpClientError({ message: 'socket hang up', code: 'ECONNRESET' }, 'listing');
    expect(reset).to.be.instanceOf(TransientError);
    expect(reset.message).to.not.include('secret');
  });
});
