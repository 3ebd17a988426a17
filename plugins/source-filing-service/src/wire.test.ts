import { expect } from 'chai';
import { WireError, readFiling, readLease, readLocation, readReportResults } from './wire.js';

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

describe('date-times from the service', () => {
  it('reads one without a time zone as UTC, not as this machine\'s local time', () => {
    const before = process.env['TZ'];
    try {
      process.env['TZ'] = 'Europe/Berlin';
      const filing = readFiling({
        id: 'F1', tenant: 't1', filedAt: '2026-11-30T09:00:00',
        location: { id: 'L1', name: 'Surrey Court', format: 'eml', targets: ['/x'] },
        message: { subject: 'S', sentAt: '2026-11-28T14:46:13' },
      }, 'items[0]');
      expect(new Date(filing.filedAt).toISOString()).to.equal('2026-11-30T09:00:00.000Z');
      expect(new Date(filing.message.sentAt!).toISOString()).to.equal('2026-11-28T14:46:13.000Z');
      expect(readLease({ id: 'L', holder: 'h', expiresAt: '2026-11-28T15:00:00' }).expiresAt.toISOString()).to.equal('2026-11-28T15:00:00.000Z');
      // One with a zone is kept as written.
      expect(readFiling({ id: 'F2', tenant: 't1', filedAt: '2026-11-30T09:00:00+01:00', location: { id: 'L1', name: 'n', format: 'eml', targets: [] } }, 'f').filedAt)
        .to.equal('2026-11-30T09:00:00+01:00');
    } finally {
      if (before === undefined) delete process.env['TZ'];
      else process.env['TZ'] = before;
    }
  });

  it('refuses one that is no date, naming the field', () => {
    expect(() => readFiling({ id: 'F1', tenant: 't1', filedAt: 'yesterday', location: { id: 'L1', name: 'n', format: 'eml', targets: [] } }, 'items[3]'))
      .to.throw(WireError, /^items\[3\]\.filedAt: expected an ISO 8601 date-time/);
  });
});

describe('readLocation', () => {
  it('reads a location whose format the service leaves empty or out, for the connector\'s default format to apply', () => {
    expect(readLocation({ id: 'L1', name: 'Mill Lane', format: '', targets: ['/x'] }, 'location').format).to.equal('');
    expect(readLocation({ id: 'L1', name: 'Mill Lane', targets: ['/x'] }, 'location').format).to.equal('');
    expect(readLocation({ id: 'L1', name: 'Mill Lane', format: 'msg', targets: ['/x'] }, 'location').format).to.equal('msg');
    expect(() => readLocation({ id: 'L1', name: 'Mill Lane', format: 3, targets: ['/x'] }, 'items[0].location')).to.throw(WireError, /^items\[0\]\.location\.format: expected a string/);
  });
});
