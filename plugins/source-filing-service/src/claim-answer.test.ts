import { expect } from 'chai';
import { Readable } from 'node:stream';
import { readClaimAnswer } from './claim-answer.js';
import { WireError } from './wire.js';

const B = 'b0undary';
const TYPE = `multipart/form-data; boundary=${B}`;

/** A multipart/form-data body of `parts` (name, type, bytes). */
function form(parts: [string, string, string | Buffer][], end = `\r\n--${B}--\r\n`): Buffer {
  const pieces: Buffer[] = [];
  parts.forEach(([name, type, body], i) => {
    pieces.push(Buffer.from(`${i ? '\r\n' : ''}--${B}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: ${type}\r\n\r\n`), Buffer.from(body));
  });
  pieces.push(Buffer.from(end));
  return Buffer.concat(pieces);
}

const PAGE = JSON.stringify({ items: [{ id: 'F1' }, { id: 'F2' }], reservedUntil: '2026-11-28T15:00:00Z' });

async function failure(p: Promise<unknown>): Promise<WireError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(WireError);
    return err as WireError;
  }
  throw new Error('expected a rejection');
}

describe('readClaimAnswer', () => {
  it('reads an answer streamed in small pieces as it arrives, as it reads the whole bytes', async () => {
    const binary = Buffer.concat([Buffer.from('Subject: x\r\n\r\n--b0undar\r\n'), Buffer.alloc(70_000, 'z')]);
    const body = form([['page', 'application/json', PAGE], ['items[0].content', 'message/rfc822', 'Subject: a\r\n\r\n'], ['items[1].content', 'message/rfc822', binary]]);
    const pieces: Buffer[] = [];
    // Cut everywhere, boundaries included: 7 bytes, then 64 KiB.
    for (let at = 0; at < body.length; at += at < 4096 ? 7 : 65_536) pieces.push(body.subarray(at, Math.min(body.length, at + (at < 4096 ? 7 : 65_536))));
    const streamed = await readClaimAnswer(Readable.from(pieces), TYPE, 100_000);
    const whole = await readClaimAnswer(body, TYPE, 100_000);
    expect(streamed.page).to.deep.equal(whole.page);
    expect([...streamed.contents.keys()]).to.deep.equal([0, 1]);
    expect(streamed.contents.get(1)!.equals(binary)).to.equal(true);
    expect(streamed.contents.get(0)!.toString()).to.equal('Subject: a\r\n\r\n');
    // JSON answers arrive as a stream too.
    const json = await readClaimAnswer(Readable.from([Buffer.from(PAGE.slice(0, 10)), Buffer.from(PAGE.slice(10))]), 'application/json', 1000);
    expect(json.page).to.deep.equal(JSON.parse(PAGE));
  });

  it('rejects an answer whose stream fails part way, naming the body, and stops reading it', async () => {
    const body = form([['page', 'application/json', PAGE], ['items[0].content', 'message/rfc822', 'x'.repeat(5000)]]);
    const failing = new Readable({ read() {} });
    failing.push(body.subarray(0, 300));
    setImmediate(() => failing.destroy(new Error('socket hang up')));
    const err = await failure(readClaimAnswer(failing, TYPE, 10_000));
    expect(err.message).to.equal('(body): expected a complete multipart/form-data answer, found "socket hang up"');
    // An answer of a type that cannot be read is not read on.
    const other = new Readable({ read() {} });
    other.push('<html>');
    expect((await failure(readClaimAnswer(other, 'text/html', 1000))).message).to.match(/Content-Type/);
    expect(other.destroyed).to.equal(true);
  });

  it('reads the page and the raw messages of a multipart answer, byte for byte', async () => {
    // Bytes that are not UTF-8, CRLFs and a line that starts like a boundary must all come through.
    const binary = Buffer.concat([Buffer.from('Subject: x\r\n\r\n--b0undar\r\n'), Buffer.from([0xff, 0x00, 0xfe, 0x0d, 0x0a]), Buffer.alloc(6000, 'y')]);
    const body = form([['page', 'application/json', PAGE], ['items[1].content', 'message/rfc822', binary]]);
    const answer = await readClaimAnswer(body, TYPE, 10_000);
    expect(answer.page).to.deep.equal(JSON.parse(PAGE));
    expect([...answer.contents.keys()]).to.deep.equal([1]);
    expect(answer.contents.get(1)!.equals(binary)).to.equal(true);
    // Its own memory, not a view that keeps the whole answer alive.
    expect(answer.contents.get(1)!.buffer).to.not.equal(body.buffer);
  });

  it('reads base64 contents of a JSON answer', async () => {
    const page = { items: [{ id: 'F1', content: Buffer.from('Subject: a\r\n\r\nbody').toString('base64') }, { id: 'F2' }] };
    const answer = await readClaimAnswer(Buffer.from(JSON.stringify(page)), 'application/json; charset=utf-8', 1000);
    expect(answer.contents.get(0)!.toString()).to.equal('Subject: a\r\n\r\nbody');
    expect(answer.contents.has(1)).to.equal(false);
  });

  it('names what does not match the API', async () => {
    const cases: [Buffer, string, RegExp][] = [
      [form([]), TYPE, /^page: expected a part with the JSON page/],
      // A message before the page cannot be checked against the filings it belongs to.
      [form([['items[0].content', 'message/rfc822', 'x'], ['page', 'application/json', PAGE]]), TYPE, /^items\[0\]\.content: expected a part after the page, found "a part before it"/],
      // A second page would make the message parts belong to other filings.
      [form([['page', 'application/json', PAGE], ['items[0].content', 'message/rfc822', 'A'], ['page', 'application/json', JSON.stringify({ items: [{ id: 'F2' }, { id: 'F1' }] })]]), TYPE, /^page: expected one part, found "a second one"/],
      // items[01] would be a second name for items[1].
      [form([['page', 'application/json', PAGE], ['items[1].content', 'message/rfc822', 'x'], ['items[01].content', 'message/rfc822', 'y']]), TYPE, /^\(part name\): expected page or items\[N\]\.content, found "items\[01\]\.content"/],
      [form([['page', 'application/json', '{"items":']]), TYPE, /^page: expected JSON/],
      [form([['page', 'application/json', PAGE], ['attachment', 'message/rfc822', 'x']]), TYPE, /^\(part name\): expected page or items\[N\]\.content, found "attachment"/],
      [form([['page', 'application/json', PAGE], ['items[0].content', 'message/rfc822', 'x']], ''), TYPE, /^\(body\): expected a complete multipart\/form-data answer/],
      [Buffer.from('{"items":'), 'application/json', /^\(body\): expected JSON/],
      [Buffer.from('<html></html>'), 'text/html', /^\(Content-Type\): expected application\/json or multipart\/form-data, found "text\/html"/],
    ];
    for (const [body, type, expected] of cases) expect((await failure(readClaimAnswer(body, type, 1000))).message).to.match(expected);
  });

  it('leaves out a message it cannot use, naming why, and keeps the others: one bad message does not hold up the claim', async () => {
    const good = 'Subject: good\r\n\r\nbody';
    const cases: [Buffer, string, number, RegExp][] = [
      [form([['page', 'application/json', PAGE], ['items[0].content', 'message/rfc822', ''], ['items[1].content', 'message/rfc822', good]]), TYPE, 0, /^items\[0\]\.content: expected a message, found "no bytes"/],
      [form([['page', 'application/json', PAGE], ['items[0].content', 'text/plain', 'x'], ['items[1].content', 'message/rfc822', good]]), TYPE, 0, /^items\[0\]\.content \(Content-Type\): expected message\/rfc822/],
      [form([['page', 'application/json', PAGE], ['items[0].content', 'message/rfc822', 'x'.repeat(1001)], ['items[1].content', 'message/rfc822', good]]), TYPE, 0, /^items\[0\]\.content: expected a message of at most 1000 bytes/],
      [form([['page', 'application/json', PAGE], ['items[1].content', 'message/rfc822', good], ['items[0].content', 'message/rfc822', 'x'], ['items[0].content', 'message/rfc822', 'y']]), TYPE, 0, /^items\[0\]\.content: expected one part/],
      [form([['page', 'application/json', PAGE], ['items[1].content', 'message/rfc822', good], ['items[2].content', 'message/rfc822', 'x']]), TYPE, 2, /^items\[2\]\.content: expected the message of one of the 2 filings in the page, found "a part for no filing"/],
      [Buffer.from(JSON.stringify({ items: [{ id: 'F1', content: '' }, { id: 'F2', content: Buffer.from(good).toString('base64') }] })), 'application/json', 0, /^items\[0\]\.content: expected the message in base64, found "an empty string"/],
      [Buffer.from(JSON.stringify({ items: [{ id: 'F1', content: 'not base64!' }, { id: 'F2', content: Buffer.from(good).toString('base64') }] })), 'application/json', 0, /^items\[0\]\.content: expected the message in base64/],
    ];
    for (const [body, type, bad, why] of cases) {
      const answer = await readClaimAnswer(body, type, 1000);
      expect(answer.contents.has(bad), String(why)).to.equal(false);
      expect(answer.unusable.get(bad)?.message, String(why)).to.match(why);
      expect(answer.contents.get(1)?.toString(), String(why)).to.equal(good);
    }
  });
});
