import { expect } from 'chai';
import path from 'node:path';
import { ConfigError, PermanentError } from '../errors.js';
import { WINDOWS_PATH_RULES, type PathRules } from '../contracts/path-rules.js';
import type { Filing } from '../contracts/filing.js';
import { NameTemplate, formatIsoBasic, type NamingInput } from './name-template.js';
import { makeFileName, namingInputFor } from './make-file-name.js';
import { cutToLength, fitFileName, measure, sanitizeSegment } from './sanitize-segment.js';

const sent = new Date('2026-11-28T14:46:13.250Z');
const filedAt = new Date('2026-11-30T09:00:00Z');
const rules = WINDOWS_PATH_RULES;
const subjectOnly = NameTemplate.parse('{subject}');

const HOSTILE: Record<string, string> = {
  dotdot: '..',
  dot: '.',
  con: 'CON',
  nulTxt: 'nul.txt',
  com1Spaces: 'com1 .log',
  separators: 'a/b\\c',
  forbidden: 'what?*<>|"',
  trailing: 'ends with dots and spaces. . .  ',
  controls: 'bell\u0007 nul\u0000 esc\u001b del\u007f c1\u0085',
  tabsNewlines: 'line one\r\nline\ttwo\nthree',
  emoji: 'Roof 🏠 leak 👷🏽‍♀️ report',
  cjk: '現場視察メモ 第二回',
  rtl: 'تقرير الزيارة שלום',
  bidiSpoof: 'invoice\u202Efdp.exe',
  long: 'L'.repeat(300),
  longEmoji: 'x' + '😀'.repeat(200),
  empty: '',
  onlySpaces: '   \t ',
  absoluteWin: 'C:\\Windows\\system32',
  absolutePosix: '/etc/passwd',
  unc: '\\\\server\\share',
  traversal: '../../etc/passwd',
  loneSurrogate: 'broken \ud83d text',
  decomposed: 'Cafe\u0301',
};

function wellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** The properties every name must have, checked with both win32 and posix path semantics. */
function assertSafe(name: string, r: PathRules, folderPathLength: number, ext = '.eml'): void {
  expect(name, 'non-empty').to.not.equal('');
  expect(['.', '..']).to.not.include(name);
  for (const p of [path.win32, path.posix]) {
    expect(p.basename(name), `basename of ${JSON.stringify(name)}`).to.equal(name);
    expect(p.isAbsolute(name), `absolute: ${name}`).to.equal(false);
    expect(p.normalize(name), `normalises to itself: ${name}`).to.equal(name);
  }
  expect(path.win32.parse(name).ext).to.equal(ext);
  expect(path.win32.parse(name).dir).to.equal('');
  expect(name.endsWith(ext)).to.equal(true);
  for (const c of r.forbiddenChars + '/\\') expect(name, `forbidden ${c}`).to.not.include(c);
  expect(name).to.not.match(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  expect(name).to.not.match(/[. ]$/);
  expect(name).to.not.match(/^[. ]/);
  expect(wellFormed(name), 'no lone surrogates').to.equal(true);
  expect(name.normalize('NFC')).to.equal(name);
  const head = name.split('.')[0]!.replace(/ +$/, '').toUpperCase();
  expect(r.reservedNames.map((n) => n.toUpperCase()), `reserved head of ${name}`).to.not.include(head);
  expect(measure(name, r.lengthUnit)).to.be.at.most(r.maxSegmentLength);
  expect(folderPathLength + measure(name, r.lengthUnit)).to.be.at.most(r.maxPathLength);
}

describe('makeFileName', () => {
  const input = (subject: string): NamingInput => ({ sentAt: sent, filedAt, subject });

  it('names by the default template: sent time in UTC ISO 8601 basic, then the subject', () => {
    expect(makeFileName(input('Site visit notes'), { extension: '.msg', rules, folderPathLength: 20 }))
      .to.equal('20261128T144613Z Site visit notes.msg');
  });

  it('falls back to the filed-at time when there is no sent time', () => {
    expect(makeFileName({ filedAt, subject: 'x' }, { extension: 'eml', rules, folderPathLength: 0 })).to.equal('20261130T090000Z x.eml');
  });

  for (const [label, subject] of Object.entries(HOSTILE)) {
    it(`makes a safe name from a hostile subject: ${label}`, () => {
      for (const template of [NameTemplate.default, subjectOnly]) {
        for (const folderPathLength of [3, 40, 200]) {
          const name = makeFileName(input(subject), { template, extension: '.eml', rules, folderPathLength });
          assertSafe(name, rules, folderPathLength);
          if (template === NameTemplate.default) expect(name.startsWith('20261128T144613Z')).to.equal(true);
        }
      }
    });
  }

  it('gives the expected names for the classic cases', () => {
    const n = (subject: string, template = subjectOnly): string =>
      makeFileName(input(subject), { template, extension: '.eml', rules, folderPathLength: 10 });
    expect(n('..')).to.equal('untitled.eml');
    expect(n('.')).to.equal('untitled.eml');
    expect(n('')).to.equal('untitled.eml');
    expect(n('', NameTemplate.default)).to.equal('20261128T144613Z.eml');
    expect(n('CON')).to.equal('CON_.eml');
    expect(n('nul.txt')).to.equal('nul_.txt.eml');
    expect(n('a/b\\c')).to.equal('a_b_c.eml');
    expect(n('what?*<>|"')).to.equal('what______.eml');
    expect(n('Re: notes... ')).to.equal('Re_ notes.eml');
    expect(n('line one\r\nline\ttwo')).to.equal('line one line two.eml');
    expect(n('bell\u0007!')).to.equal('bell!.eml');
    expect(n('現場視察メモ')).to.equal('現場視察メモ.eml');
    expect(n('تقرير')).to.equal('تقرير.eml');
    expect(n('Roof 🏠')).to.equal('Roof 🏠.eml');
    expect(n('Cafe\u0301')).to.equal('Caf\u00e9.eml');
    expect(n('../../etc/passwd')).to.equal('_.._etc_passwd.eml');
  });

  it('cuts a long subject at a character boundary so segment and whole path fit', () => {
    const name = makeFileName(input('L'.repeat(300)), { extension: '.eml', rules, folderPathLength: 0 });
    expect(name.length).to.equal(255);
    const deep = makeFileName(input('L'.repeat(300)), { extension: '.eml', rules, folderPathLength: 200 });
    expect(deep.length).to.equal(59);
    expect(deep.endsWith('L.eml')).to.equal(true);
    const emoji = makeFileName(input('😀'.repeat(200)), { template: subjectOnly, extension: '.eml', rules, folderPathLength: 0 });
    expect(wellFormed(emoji)).to.equal(true);
    expect(emoji.length).to.be.at.most(255);
    expect(emoji.length).to.be.at.least(250);
  });

  it('counts UTF-8 bytes when the rules say so', () => {
    const utf8: PathRules = { ...rules, lengthUnit: 'utf8', maxSegmentLength: 255, maxPathLength: 1000 };
    const name = makeFileName(input('現'.repeat(300)), { template: subjectOnly, extension: '.eml', rules: utf8, folderPathLength: 0 });
    expect(Buffer.byteLength(name)).to.be.at.most(255);
    expect(Buffer.byteLength(name)).to.be.at.least(252);
    expect(name).to.match(/^現+\.eml$/);
  });

  it('replaces astral characters when the rules forbid them', () => {
    const noAstral: PathRules = { ...rules, noAstralChars: true };
    expect(makeFileName(input('Roof 🏠 leak'), { template: subjectOnly, extension: '.eml', rules: noAstral, folderPathLength: 0 }))
      .to.equal('Roof _ leak.eml');
  });

  it('throws PermanentError when the folder path leaves no room for a name', () => {
    expect(() => makeFileName(input('x'), { extension: '.eml', rules, folderPathLength: 255 })).to.throw(PermanentError, /No file name fits/);
  });

  it('re-escapes a reserved name produced by cutting', () => {
    const tight: PathRules = { ...rules, maxSegmentLength: 8 };
    expect(makeFileName(input('CON STRUCTION'), { template: subjectOnly, extension: '.eml', rules: tight, folderPathLength: 0 }))
      .to.equal('CON_.eml');
  });
});

describe('NameTemplate', () => {
  const full: NamingInput = {
    sentAt: sent, filedAt, subject: 'S', from: { name: 'Zoë Müller', address: 'zoe@example.org' },
    messageId: '<abc@example.org>', location: 'Surrey Court',
  };

  it('renders every token', () => {
    const t = NameTemplate.parse('{sent:iso}|{filedAt:iso}|{subject}|{from}|{from.name}|{from.address}|{messageId:hash8}|{location}|{{x}}');
    const out = t.render(full).split('|');
    expect(out.slice(0, 6)).to.deep.equal(['20261128T144613Z', '20261130T090000Z', 'S', 'Zoë Müller', 'Zoë Müller', 'zoe@example.org']);
    expect(out[6]).to.match(/^[0-9a-f]{8}$/);
    expect(NameTemplate.parse('{messageId:hash8}').render({ ...full, messageId: 'abc@example.org' })).to.equal(out[6]);
    expect(out.slice(7)).to.deep.equal(['Surrey Court', '{x}']);
    expect(NameTemplate.parse('{from}').render({ filedAt, from: { address: 'a@b' } })).to.equal('a@b');
  });

  it('refuses an unknown token with a ConfigError naming it and the key', () => {
    expect(() => NameTemplate.parse('{sent:iso} {subjcet}')).to.throw(ConfigError, /naming\.template[\s\S]*unknown token \{subjcet\}/);
    expect(() => NameTemplate.parse('{subject', 'locations.L1.template')).to.throw(ConfigError, /locations\.L1\.template/);
    expect(() => NameTemplate.parse('a}b')).to.throw(ConfigError);
  });

  it('formats ISO 8601 basic in UTC without colons', () => {
    expect(formatIsoBasic(new Date('2026-01-02T03:04:05.999+02:00'))).to.equal('20260102T010405Z');
  });
});

describe('sanitizeSegment and fitFileName', () => {
  it('never returns an empty, dot or separator-bearing segment', () => {
    for (const raw of Object.values(HOSTILE)) {
      const s = sanitizeSegment(raw, rules);
      expect(s).to.not.be.oneOf(['', '.', '..']);
      expect(s).to.not.match(/[\\/]/);
      expect(path.win32.basename(s)).to.equal(s);
      expect(s.length).to.be.at.most(255);
    }
    expect(sanitizeSegment('..', rules)).to.equal('untitled');
    expect(sanitizeSegment('nul.txt', rules)).to.equal('nul_.txt');
    expect(sanitizeSegment('desktop.ini', { ...rules, reservedFileNames: ['desktop.ini'] })).to.equal('desktop_.ini');
    expect(sanitizeSegment('~$draft', { ...rules, forbiddenPrefixes: ['~$'] })).to.equal('_$draft');
  });

  it('keeps a suffix and the extension whole while cutting the stem', () => {
    const name = fitFileName({ stem: 'a'.repeat(300), suffix: ' (2)', extension: '.eml' }, rules, 100);
    expect(name.length).to.equal(159);
    expect(name.endsWith('a (2).eml')).to.equal(true);
  });

  it('breaks a forbidden substring wherever it occurs, case-insensitively, in every occurrence', () => {
    const vti: PathRules = { ...rules, forbiddenSubstrings: ['_vti_'] };
    // The namer's names start with a time stamp, so a subject's `_vti_` is never a prefix.
    expect(makeFileName({ sentAt: sent, filedAt, subject: 'Re: site_vti_bin access' }, { extension: '.eml', rules: vti, folderPathLength: 0 }))
      .to.equal('20261128T144613Z Re_ site__ti_bin access.eml');
    expect(fitFileName({ stem: 'a_vti_b _VTI_c _Vti_', extension: '.eml' }, vti)).to.equal('a__ti_b __TI_c __ti_.eml');
    expect(sanitizeSegment('_vti_cnf', vti)).to.equal('__ti_cnf');
    // Breaking one occurrence can complete another: it goes on until none is left.
    expect(sanitizeSegment('xaa_y', { ...rules, forbiddenSubstrings: ['a_'] })).to.equal('x___y');
    // A substring made only of the replacement cannot be broken by replacing; it is left alone.
    expect(sanitizeSegment('a__b', { ...rules, forbiddenSubstrings: ['__'] })).to.equal('a__b');
  });

  it('replaces each forbidden character, astral ones whole, with the replacement taken literally', () => {
    const custom: PathRules = { ...rules, forbiddenChars: '?😀-', replacement: '$&' };
    expect(sanitizeSegment('a?b😀c-d/e\\f', custom)).to.equal('a$&b$&c$&d$&e$&f');
    // Rules given later get their own characters, not the first rules' ones.
    expect(sanitizeSegment('a?b-c', { ...rules, forbiddenChars: '-' })).to.equal('a?b_c');
  });

  it('forbids no substring unless the rules say so', () => {
    expect(fitFileName({ stem: 'site_vti_bin', extension: '.eml' }, rules)).to.equal('site_vti_bin.eml');
  });

  it('cuts between grapheme clusters', () => {
    expect(cutToLength('ab👷🏽‍♀️c', 5, 'utf16')).to.equal('ab');
    expect(cutToLength('e\u0301e\u0301', 3, 'utf16')).to.equal('e\u0301');
  });
});

describe('namingInputFor', () => {
  const filing: Filing = {
    id: 'F1', tenant: 't1', filedAt: '2026-11-30T09:00:00Z',
    location: { id: 'L1', name: 'Surrey Court', format: 'eml', targets: [] },
    message: { subject: 'From summary', sentAt: '2026-11-28T14:46:13Z', messageId: 'm@x' },
  };

  it('prefers the message headers, then the summary, then filed-at', () => {
    const fromHeaders = namingInputFor(filing, { subject: 'From headers', date: new Date('2020-01-01T00:00:00Z'), all: {}, truncated: false });
    expect(fromHeaders.subject).to.equal('From headers');
    expect(fromHeaders.sentAt?.toISOString()).to.equal('2020-01-01T00:00:00.000Z');
    expect(fromHeaders.location).to.equal('Surrey Court');
    const fromSummary = namingInputFor(filing, { all: {}, truncated: false });
    expect(fromSummary.subject).to.equal('From summary');
    expect(fromSummary.sentAt?.toISOString()).to.equal('2026-11-28T14:46:13.000Z');
    const none = namingInputFor({ ...filing, message: {} });
    expect(none.sentAt).to.equal(undefined);
    expect(makeFileName(none, { extension: '.eml', rules, folderPathLength: 0 })).to.equal('20261130T090000Z.eml');
  });

  it('reads sent and filed times without a time zone as UTC, whatever the time zone of this machine', () => {
    const zoneless: Filing = { ...filing, filedAt: '2026-11-30T09:00:00', message: { subject: 'No zone', sentAt: '2026-11-28T14:46:13' } };
    const before = process.env['TZ'];
    try {
      for (const tz of ['Europe/Berlin', 'America/New_York', 'UTC']) {
        process.env['TZ'] = tz;
        const input = namingInputFor(zoneless, { all: {}, truncated: false });
        expect(input.sentAt?.toISOString(), tz).to.equal('2026-11-28T14:46:13.000Z');
        expect(input.filedAt.toISOString(), tz).to.equal('2026-11-30T09:00:00.000Z');
        expect(makeFileName(input, { extension: '.eml', rules, folderPathLength: 0 }), tz).to.equal('20261128T144613Z No zone.eml');
      }
    } finally {
      if (before === undefined) delete process.env['TZ'];
      else process.env['TZ'] = before;
    }
  });
});
