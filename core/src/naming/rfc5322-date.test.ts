import { expect } from 'chai';
import { parseRfc5322Date, utcIfZoneless } from './rfc5322-date.js';

describe('parseRfc5322Date', () => {
  const iso = (v: string): string | undefined => parseRfc5322Date(v)?.toISOString();

  it('reads the current syntax with a numeric zone, in UTC', () => {
    expect(iso('Sat, 28 Nov 2026 14:46:13 +0000')).to.equal('2026-11-28T14:46:13.000Z');
    expect(iso('Sat, 28 Nov 2026 15:46:13 +0100')).to.equal('2026-11-28T14:46:13.000Z');
    expect(iso('Fri, 27 Nov 2026 21:16:13 -1730')).to.equal('2026-11-28T14:46:13.000Z');
  });

  it('reads obsolete forms: comments, folding, 2- and 3-digit years, named and military zones, no seconds', () => {
    expect(iso('Sat, 28 Nov 2026 14:46:13 +0000 (UTC)')).to.equal('2026-11-28T14:46:13.000Z');
    expect(iso('(day) Sat (x (nested) y), 28\r\n Nov 2026 14 : 46 : 13 GMT')).to.equal('2026-11-28T14:46:13.000Z');
    expect(iso('1 Jan 98 00:00:00 EST')).to.equal('1998-01-01T05:00:00.000Z');
    expect(iso('1 Jan 05 00:00 PDT')).to.equal('2005-01-01T07:00:00.000Z');
    expect(iso('1 Jan 103 00:00:00 +0000')).to.equal('2003-01-01T00:00:00.000Z');
    expect(iso('28 Nov 2026 14:46:13 A')).to.equal('2026-11-28T14:46:13.000Z');
    expect(iso('28 Nov 2026 14:46:13')).to.equal('2026-11-28T14:46:13.000Z');
    expect(iso('Sat 28 nov 2026 14:46:13 ut')).to.equal('2026-11-28T14:46:13.000Z');
    expect(iso('31 Dec 2016 23:59:60 +0000')).to.equal('2016-12-31T23:59:59.000Z');
    // A zone name after the offset, as some European mailers write it: the offset decides.
    expect(iso('Mon, 15 Jan 2024 09:41:33 +0100 CET')).to.equal('2024-01-15T08:41:33.000Z');
  });

  it('accepts a plain ISO 8601 date-time as broken senders write it', () => {
    expect(iso('2026-11-28T15:46:13+01:00')).to.equal('2026-11-28T14:46:13.000Z');
  });

  it('refuses what is not a date instead of inventing one', () => {
    for (const bad of ['', 'yesterday', '31 Feb 2026 10:00:00 +0000', '28 Nov 2026 25:00:00 +0000',
      '28 Foo 2026 10:00:00 +0000', '28 Nov 2026 10:00:00 +0099', 'Sat, 28 Nov 2026']) {
      expect(parseRfc5322Date(bad), bad).to.equal(undefined);
    }
    expect(parseRfc5322Date(undefined)).to.equal(undefined);
  });
});

describe('utcIfZoneless', () => {
  it('marks an ISO 8601 date-time without a zone as UTC and leaves everything else alone', () => {
    for (const [input, expected] of [
      ['2026-11-28T14:46:13', '2026-11-28T14:46:13Z'],
      ['2026-11-28T14:46:13.250', '2026-11-28T14:46:13.250Z'],
      ['2026-11-28T14:46', '2026-11-28T14:46Z'],
      ['2026-11-28T144613', '2026-11-28T144613Z'],
      ['2026-11-28T14:46:13Z', '2026-11-28T14:46:13Z'],
      ['2026-11-28T14:46:13+01:00', '2026-11-28T14:46:13+01:00'],
      ['2026-11-28T14:46:13-0500', '2026-11-28T14:46:13-0500'],
      ['2026-11-28', '2026-11-28'],
      ['Sat, 28 Nov 2026 14:46:13 +0000', 'Sat, 28 Nov 2026 14:46:13 +0000'],
    ]) expect(utcIfZoneless(input!), input).to.equal(expected);
  });
});
