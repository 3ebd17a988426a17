/**
 * Generated hostile MIME messages: each is a valid-enough RFC 5322 envelope (From, Date,
 * Message-ID, Subject) around one kind of abuse that parsers are known to choke on.
 */

const CRLF = '\r\n';

function envelope(kind: string, extraHeaders: string[] = []): string[] {
  return [
    'From: Hostile Sender <hostile@example.com>',
    'To: Project Team <team@example.com>',
    `Subject: Hostile ${kind}`,
    'Date: Sat, 28 Nov 2026 14:46:13 +0000',
    `Message-ID: <hostile-${kind}@example.com>`,
    'MIME-Version: 1.0',
    ...extraHeaders,
  ];
}

/** One hostile message: a short name for tables and its bytes. */
export interface HostileMessage {
  kind: string;
  describe: string;
  raw: Buffer;
}

/** multipart/mixed with `count` small text parts side by side. */
function manyParts(count: number): Buffer {
  const lines = envelope('many-parts', ['Content-Type: multipart/mixed; boundary="p"']);
  lines.push('');
  for (let i = 0; i < count; i++) lines.push('--p', 'Content-Type: text/plain; charset=us-ascii', '', `part ${i}`);
  lines.push('--p--', '');
  return Buffer.from(lines.join(CRLF));
}

/** multipart nested `depth` levels deep, a text part at the bottom. */
function deepNesting(depth: number): Buffer {
  const lines = envelope('deep-nesting', ['Content-Type: multipart/mixed; boundary="n0"']);
  lines.push('');
  for (let i = 1; i < depth; i++) lines.push(`--n${i - 1}`, `Content-Type: multipart/mixed; boundary="n${i}"`, '');
  lines.push(`--n${depth - 1}`, 'Content-Type: text/plain', '', 'the bottom');
  for (let i = depth - 1; i >= 0; i--) lines.push(`--n${i}--`);
  lines.push('');
  return Buffer.from(lines.join(CRLF));
}

/** A header block of about `bytes`: many 1 kB headers. */
function hugeHeaderBlock(bytes: number): Buffer {
  const filler = 'x'.repeat(1000);
  const headers: string[] = [];
  for (let i = 0; i * 1020 < bytes; i++) headers.push(`X-Filler-${i}: ${filler}`);
  return Buffer.from([...envelope('header-block', headers), 'Content-Type: text/plain', '', 'body after a 5 MB header block', ''].join(CRLF));
}

/** One unfolded header line of `bytes`. */
function longHeaderLine(bytes: number): Buffer {
  return Buffer.from([...envelope('header-line', [`X-Long: ${'y'.repeat(bytes)}`, `Thread-Topic: ${'z '.repeat(bytes / 2)}`]), 'Content-Type: text/plain', '', 'body after 1 MB lines', ''].join(CRLF));
}

/** Charsets that do not exist, and bytes that are not what their charset says. */
function invalidCharsets(): Buffer {
  const lines = envelope('charsets', ['Content-Type: multipart/mixed; boundary="c"', 'X-Encoded: =?x-no-such-charset?B?SGVsbG8=?= =?utf-8?Q?broken=ZZ?=']);
  lines.push('', '--c', 'Content-Type: text/plain; charset="x-no-such-charset"', '', 'text in a charset nobody knows');
  lines.push('--c', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '');
  const head = Buffer.from(lines.join(CRLF) + CRLF);
  const badUtf8 = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0x0d, 0x0a]);
  const tail = Buffer.from(['--c', 'Content-Type: text/html; charset=utf-7', '', '+ADw-script+AD4-alert(1)+ADw-/script+AD4-', '--c--', ''].join(CRLF));
  return Buffer.concat([head, badUtf8, tail]);
}

/** A base64 attachment cut off mid-quantum, and the message ends without its closing boundary. */
function truncatedBase64(): Buffer {
  const data = Buffer.alloc(300_000, 7).toString('base64').replace(/.{76}/g, `$&${CRLF}`);
  const cut = data.slice(0, Math.floor(data.length / 2) + 3);
  return Buffer.from([...envelope('truncated-base64', ['Content-Type: multipart/mixed; boundary="t"']), '', '--t', 'Content-Type: text/plain', '', 'see attachment',
    '--t', 'Content-Type: application/pdf; name="cut.pdf"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="cut.pdf"', '', cut].join(CRLF));
}

/** NUL bytes in a header value, in the body and in an attachment name. */
function nulBytes(): Buffer {
  return Buffer.from([...envelope('nul-bytes', ['X-Nul: before\0after', 'Content-Type: multipart/mixed; boundary="z"']), '',
    '--z', 'Content-Type: text/plain', '', 'text with \0 NUL \0\0 bytes',
    '--z', 'Content-Type: application/octet-stream; name="a\0b.bin"', 'Content-Disposition: attachment; filename="a\0b.bin"', '', 'raw\0\0\0data', '--z--', ''].join(CRLF));
}

/** multipart without a boundary parameter, and one whose boundary never appears. */
function missingBoundaries(): Buffer {
  return Buffer.from([...envelope('missing-boundary', ['Content-Type: multipart/mixed']), '',
    '--nowhere', 'Content-Type: multipart/alternative; boundary="never-used"', '', 'this part claims a boundary that never comes', ''].join(CRLF));
}

/** Every hostile message of the suite. */
export function hostileMessages(): HostileMessage[] {
  return [
    { kind: 'many-parts', describe: '10,000 sibling parts', raw: manyParts(10_000) },
    { kind: 'deep-nesting', describe: '100-level multipart nesting', raw: deepNesting(100) },
    { kind: 'header-block', describe: '5 MB header block', raw: hugeHeaderBlock(5_000_000) },
    { kind: 'header-line', describe: '1 MB header lines', raw: longHeaderLine(1_000_000) },
    { kind: 'charsets', describe: 'unknown charsets, invalid UTF-8, UTF-7 HTML', raw: invalidCharsets() },
    { kind: 'truncated-base64', describe: 'base64 cut mid-quantum, no closing boundary', raw: truncatedBase64() },
    { kind: 'nul-bytes', describe: 'NUL bytes in headers, body and a file name', raw: nulBytes() },
    { kind: 'missing-boundary', describe: 'multipart with no boundary / a boundary never used', raw: missingBoundaries() },
  ];
}
