import { randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { expect } from 'chai';
import { Decoder as LibBase64Decoder } from 'libbase64';
import { Base64Decoder } from './base64-decoder.js';

/** Pushes `input` through `decoder` in chunks of the given sizes (cycled) and returns the output. */
async function decodeInChunks(decoder: Transform, input: Buffer, sizes: number[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(input.subarray(at, at + size));
    at += size;
  }
  const out: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    Readable.from(chunks, { objectMode: false }).pipe(decoder).on('data', (c: Buffer) => out.push(c)).on('end', resolve).on('error', reject);
  });
  return Buffer.concat(out);
}

/** What mailparser's own decoder (libbase64) makes of `input`. */
const reference = (input: Buffer) => decodeInChunks(new LibBase64Decoder(), input, [input.length || 1]);

/** `bytes` as MIME base64 in lines of `width` characters ending in `eol`. */
function wrapped(bytes: Buffer, width: number, eol = '\r\n'): Buffer {
  const b64 = bytes.toString('base64');
  const lines: string[] = [];
  for (let at = 0; at < b64.length; at += width) lines.push(b64.slice(at, at + width));
  return Buffer.from(lines.join(eol) + eol, 'latin1');
}

const CHUNKINGS: number[][] = [[1], [3], [7, 1, 2], [76], [78], [1000], [4096, 13], [65536]];

describe('Base64Decoder', () => {
  const inputs: [string, Buffer][] = [
    ['76-character lines', wrapped(randomBytes(10_000), 76)],
    ['64-character lines with LF only', wrapped(randomBytes(5_000), 64, '\n')],
    ['73-character lines (not whole quanta)', wrapped(randomBytes(5_001), 73)],
    ['one long line', Buffer.from(randomBytes(3_002).toString('base64'))],
    ['padding of one and of two', Buffer.concat([wrapped(randomBytes(100), 76), wrapped(randomBytes(101), 76)])],
    ['each piece padded on its own', Buffer.from('QQ==\r\nQkM=\r\nREVGRw==\r\nSA==\r\n')],
    ['padding followed by more text on the same line', Buffer.from('QQ==QkM=REVGRw==SA')],
    ['stray characters between quanta', Buffer.from('QU*JD RE\tVG\u00e9R0g!=\r\n', 'latin1')],
    ['base64url characters, which MIME base64 has not', Buffer.from('QU-JD_REV\r\nGR0g=\r\n')],
    ['a dash after padding', Buffer.from('QQ==-QkM=\r\n')],
    ['a lone trailing character', Buffer.from('QUJDR')],
    ['three trailing characters', Buffer.from('QUJDREV')],
    ['only line breaks', Buffer.from('\r\n\r\n')],
    ['nothing', Buffer.alloc(0)],
    ['padding only', Buffer.from('====\r\n=')],
  ];
  for (const [name, input] of inputs) {
    it(`decodes ${name} as libbase64 does, however the input is chunked`, async () => {
      const expected = await reference(input);
      for (const sizes of CHUNKINGS) {
        const actual = await decodeInChunks(new Base64Decoder(), input, sizes);
        expect(actual.equals(expected), `chunks of ${sizes.join(', ')}: ${actual.toString('hex')} vs ${expected.toString('hex')}`).to.equal(true);
      }
    });
  }

  it('gives back the original bytes of an attachment', async () => {
    const original = randomBytes(200_000);
    const decoded = await decodeInChunks(new Base64Decoder(), wrapped(original, 76), [65536]);
    expect(decoded.equals(original)).to.equal(true);
  });

  it('agrees with libbase64 on random mixtures of base64, padding, line breaks and stray characters', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const allExtras = ['=', '==', '\r\n', '\n', ' ', '\t', '-', '_', '*', '\u00e9'];
    // Without pads and dashes, chunks take the decoder's way for plain lines, which must notice the stray characters.
    const strayOnly = ['\r\n', '\r\n', '\n', ' ', '\t', '*', '\u00e9'];
    for (let round = 0; round < 400; round++) {
      const extras = round % 2 === 0 ? allExtras : strayOnly;
      let text = '';
      const length = 1 + (round * 7919) % 300;
      for (let i = 0; i < length; i++) {
        const r = Math.random();
        text += r < 0.85 ? alphabet[Math.floor(Math.random() * 64)] : extras[Math.floor(Math.random() * extras.length)];
      }
      const input = Buffer.from(text, 'latin1');
      const expected = await reference(input);
      for (const sizes of [[1], [5, 2], [64], [text.length]]) {
        const actual = await decodeInChunks(new Base64Decoder(), input, sizes);
        expect(actual.toString('hex'), `${JSON.stringify(text)} in chunks of ${sizes.join(', ')}`).to.equal(expected.toString('hex'));
      }
    }
  });
});
