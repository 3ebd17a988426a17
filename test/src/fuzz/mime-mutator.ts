/**
 * Seeded mutations of real messages, aimed where MIME parsers are weakest: boundaries, transfer
 * encodings, charsets, encoded words, parameter continuations, line endings and truncation.
 */

/**
 * Fragments spliced into messages. Each is something a parser must recognise (a boundary, an
 * encoded word, a charset, a nested message) or must survive (NUL, a byte-order mark, RTL marks).
 */
export const MIME_FRAGMENTS: readonly string[] = [
  '\r\n', '\r\n\r\n', '\n', '\r', '--', '--b', '--b--', ';', '"', '\\', '(', ')', '<>', '@', '=', '=\r\n', '=?utf-8?B?', '=?iso-2022-jp?Q?', '?=',
  'boundary=', 'Content-Type: multipart/mixed; boundary="', 'Content-Type: multipart/related; type="text/html"; boundary=',
  'Content-Type: multipart/alternative; boundary=', 'Content-Type: message/rfc822\r\n\r\n', 'Content-Type: text/html; charset=utf-8\r\n\r\n<html>',
  'Content-Type: text/plain; charset=windows-1252\r\n\r\n\x93quoted\x94', 'Content-Type: application/ms-tnef', 'Content-Type: text/calendar; method=REQUEST',
  'BEGIN:VCALENDAR', 'Content-Transfer-Encoding: base64\r\n', 'Content-Transfer-Encoding: quoted-printable\r\n', 'Content-Transfer-Encoding: uuencode\r\n',
  'begin 644 x\r\n', 'charset=utf-16', 'charset=utf-7', 'charset=iso-2022-jp', 'charset="x-unknown"', "filename*0*=utf-8''%E2%82", 'filename*1="', 'name=',
  'Content-Disposition: attachment; filename=', 'Content-ID: <', 'cid:', '<img src="cid:', 'format=flowed; delsp=yes', 'Date: ', 'From: "',
  'To: undisclosed-recipients:;', 'winmail.dat', '\x00', '\xff\xfe', '\u202e',
];

/** A seeded source of numbers in [0, 1). */
export type Random = () => number;

/**
 * Returns a mutation of `message`: one to eight edits (bit flips, random bytes, spliced fragments, cut
 * or repeated ranges, a piece of another message from `corpus`, changed line endings, truncation), cut
 * to `maxBytes`. The same `random` sequence gives the same result.
 */
export function mutateMessage(message: Buffer, corpus: readonly Buffer[], random: Random, maxBytes = 4 * 1024 * 1024): Buffer {
  const below = (n: number) => Math.floor(random() * n);
  const fragment = () => Buffer.from(MIME_FRAGMENTS[below(MIME_FRAGMENTS.length)]!, 'latin1');
  let b = Buffer.from(message);
  for (let edits = 1 + below(8); edits > 0; edits--) {
    const at = below(b.length + 1);
    switch (below(9)) {
      case 0:
        if (b.length) b[below(b.length)]! ^= 1 << below(8);
        break;
      case 1:
        if (b.length) b[below(b.length)] = below(256);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), fragment(), b.subarray(at)]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + below(Math.min(b.length - at, 2000) + 1))]);
        break;
      case 4: {
        // A range repeated a few times, or a couple of hundred: long lines and deep repetition.
        const piece = b.subarray(at, at + below(Math.min(b.length - at, 500) + 1));
        const times = 1 + below(below(2) ? 4 : 200);
        b = Buffer.concat([b.subarray(0, at), ...Array<Buffer>(times).fill(piece), b.subarray(at)]);
        break;
      }
      case 5:
        b = b.subarray(0, at);
        break;
      case 6: {
        const other = corpus[below(corpus.length)]!;
        const from = below(other.length);
        b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + below(4000))]);
        break;
      }
      case 7:
        b = Buffer.from(b.toString('latin1').replace(below(2) ? /\r\n/g : /\n/g, below(2) ? '\n' : '\r'), 'latin1');
        break;
      case 8: {
        const f = fragment();
        b = Buffer.concat([b.subarray(0, at), ...Array<Buffer>(1 + below(2000)).fill(f), b.subarray(at)]);
        break;
      }
    }
  }
  return b.subarray(0, maxBytes);
}
