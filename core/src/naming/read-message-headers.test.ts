import { expect } from 'chai';
import { Readable } from 'node:stream';
import { readMessageHeaders } from './read-message-headers.js';

function streamOf(...parts: (string | Buffer)[]): Readable {
  return Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

describe('readMessageHeaders', () => {
  it('unfolds, decodes encoded words in Subject and From, and parses Date', async () => {
    const h = await readMessageHeaders(streamOf(
      'From: =?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe@example.org>\r\n',
      'Subject: =?UTF-8?B?U2l0ZSB2aXNpdA==?=\r\n =?UTF-8?Q?_notes_=E2=9C=93?=\r\n',
      'Date: Sat, 28 Nov 2026 15:46:13 +0100 (CET)\r\n',
      'Message-ID: <abc@example.org>\r\n\r\nbody\r\n',
    ));
    expect(h.subject).to.equal('Site visit notes ✓');
    expect(h.from).to.deep.equal({ name: 'Zoë Müller', address: 'zoe@example.org' });
    expect(h.date?.toISOString()).to.equal('2026-11-28T14:46:13.000Z');
    expect(h.messageId).to.equal('abc@example.org');
    expect(h.truncated).to.equal(false);
  });

  it('finds the end of the header block across chunk boundaries and stops reading the body', async () => {
    let bodyRead = false;
    async function* chunks(): AsyncGenerator<Buffer> {
      yield Buffer.from('Subject: one\n');
      yield Buffer.from('Date: 1 Jan 2020 00:00:00 +0000\n');
      yield Buffer.from('\n');
      yield Buffer.from('Subject: not a header\n');
      bodyRead = true;
    }
    const h = await readMessageHeaders(chunks());
    expect(h.subject).to.equal('one');
    expect(h.all['subject']).to.deep.equal(['one']);
    expect(bodyRead).to.equal(false);
  });

  it('reads a message held in memory as one buffer, the same as from a stream', async () => {
    const raw = Buffer.from('Subject: Pour\r\n schedule\r\nFrom: Site <site@example.org>\r\n\r\nSubject: body\r\n');
    const fromMemory = await readMessageHeaders([raw]);
    expect(fromMemory).to.deep.equal(await readMessageHeaders(streamOf(raw)));
    expect(fromMemory.subject).to.equal('Pour schedule');
    expect(fromMemory.from).to.deep.equal({ name: 'Site', address: 'site@example.org' });
  });

  it('accepts raw UTF-8 headers and falls back to Latin-1 for other 8-bit bytes', async () => {
    expect((await readMessageHeaders(streamOf('Subject: 現場 notes\r\n\r\n'))).subject).to.equal('現場 notes');
    const latin1 = Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9]), Buffer.from('\r\n\r\n')]);
    expect((await readMessageHeaders(streamOf(latin1))).subject).to.equal('café');
  });

  it('stops at the limit and drops the cut line; an invalid Date gives undefined', async () => {
    const h = await readMessageHeaders(
      streamOf('Date: not a date\r\nSubject: kept\r\nX-Long: ', 'x'.repeat(5000), '\r\nSubject: never\r\n\r\n'),
      { maxHeaderBytes: 1024 },
    );
    expect(h.truncated).to.equal(true);
    expect(h.subject).to.equal('kept');
    expect(h.date).to.equal(undefined);
    expect(h.all['x-long']).to.equal(undefined);
  });

  it('gives empty fields for a message without headers and skips an mbox From_ line', async () => {
    const none = await readMessageHeaders(streamOf('\r\nSubject: body text\r\n'));
    expect(none.subject).to.equal(undefined);
    expect(none.all).to.deep.equal({});
    const mbox = await readMessageHeaders(streamOf('From someone@example.org Sat Nov 28 14:46:13 2026\nSubject: s\n\n'));
    expect(mbox.subject).to.equal('s');
    expect(Object.keys(mbox.all)).to.deep.equal(['subject']);
  });

  it('reads a From with only an address, and ignores a __proto__ header', async () => {
    const h = await readMessageHeaders(streamOf('__proto__: x\r\nFrom: bob@example.org\r\n\r\n'));
    expect(h.from).to.deep.equal({ address: 'bob@example.org' });
    expect(Object.getPrototypeOf(h.all)).to.equal(Object.prototype);
  });
});
