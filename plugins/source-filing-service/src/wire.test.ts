import { expect } from 'chai';
import { WireError, readReportResults } from './wire.js';

describe('readReportResults', () => {
  it('pairs each result with the report sent at its place, and refuses results for other filings', () => {
    const results = readReportResults({ results: [{ id: 'F1' }, { id: 'F2', error: { code: 'bad_outcome', message: 'no' } }] }, ['F1', 'F2']);
    expect(results).to.deep.equal([{ id: 'F1' }, { id: 'F2', error: { code: 'bad_outcome', message: 'no' } }]);
    // Answered in another order: F2's refusal must not be read as F1's, nor F1's acceptance as F2's.
    let err: unknown;
    try {
      readReportResults({ results: [{ id: 'F2', error: { code: 'bad_outcome' } }, { id: 'F1' }] }, ['F1', 'F2']);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(WireError);
    expect((err as Error).message).to.match(/^results\[0\]\.id: expected "F1", found "F2"/);
  });
});
