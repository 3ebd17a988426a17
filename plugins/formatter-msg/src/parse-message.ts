/**
 * Parses a raw RFC 5322 message with mailparser into what the MSG writer needs, keeping large
 * attachments in spool files instead of memory.
 * @packageDocumentation
 */
import { type WriteStream, createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Transform, Writable } from 'node:stream';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { MailParser, type AddressObject, type AttachmentStream, type EmailAddress, type Headers } from 'mailparser';
import { type ByteSource, sizeOf } from './compound-file-writer.js';
import { UnreadableMessageError } from './conversion-errors.js';
import { Base64Decoder } from './base64-decoder.js';
// The date rules alone (a module that imports nothing), not the rest of core: see the worker-imports test.
import { parseRfc5322Date } from '@filing-sync/core/rfc5322-date';

/** One mailbox: a display name (possibly empty) and an address. */
export interface Mailbox {
  name: string;
  address: string;
}

/** One MIME part that becomes an attachment. */
export interface ParsedAttachment {
  /** Decoded file name from Content-Disposition or Content-Type, if the part has one. */
  filename?: string;
  /** The part's media type, lower case, without parameters. */
  contentType: string;
  /** Content-ID without angle brackets. */
  cid?: string;
  /** Inside a multipart/related. */
  related: boolean;
  /** The decoded bytes. */
  data: ByteSource;
  /** For a message/rfc822 part that parsed: the message inside it. */
  embedded?: ParsedMessage;
}

/** A parsed message, as far as the MSG writer uses it. */
export interface ParsedMessage {
  /** The original header block, CRLF line ends, ending with an empty line. */
  headerBlock: string;
  subject?: string;
  from?: Mailbox;
  sender?: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  /** The Reply-To mailboxes, groups flattened ([MS-OXCMAIL] 2.2.3.1.6). */
  replyTo: Mailbox[];
  /**
   * An opaque-signed or encrypted S/MIME message ([MS-OXOSMIME] 2.1.3.2): its one MIME entity is
   * `application/pkcs7-mime` (or `x-pkcs7-mime`, or octet-stream named `*.p7m`). It has no body, and that entity
   * is its one attachment.
   */
  smime?: boolean;
  /** The Date header, when present and valid (RFC 5322 §3.3 and §4.3; a missing or unknown zone is UTC). */
  date?: Date;
  /** When the last hop received it (the newest Received header), when present and valid. */
  received?: Date;
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  priority?: 'high' | 'normal' | 'low';
  /** Outlook's Thread-Index header, decoded. */
  threadIndex?: Buffer;
  /** Outlook's Thread-Topic header. */
  threadTopic?: string;
  /** The Sensitivity header, lower case (`personal`, `private`, `company-confidential`). */
  sensitivity?: string;
  text?: string;
  html?: string;
  attachments: ParsedAttachment[];
}

/** How parsing may use memory and disk. */
export interface ParseOptions {
  /** Folder for spool files of large attachments; without one, every part stays in memory. */
  scratchDir?: string;
  /**
   * Attachments of a message read from a file go to a spool file once they grow past this many bytes.
   * Parts of a message held in memory stay in memory: they are smaller than the message, so spooling them
   * would save little memory and cost a write and a read.
   */
  spoolThreshold: number;
  /** How deep message/rfc822 parts are turned into embedded messages; deeper ones stay files. */
  maxDepth: number;
}

/**
 * mailparser options shared with the tests, so both parse the same way (the formatter's parser differs from plain
 * mailparser only in named inline text parts and in HTML whose charset only its `<meta>` declares: see
 * `FilingMailParser`).
 */
export const MAILPARSER_OPTIONS = {
  // message/rfc822 parts stay attachments (we make embedded messages of them) instead of being inlined as text.
  ignoreEmbedded: true,
  skipTextToHtml: true,
  skipImageLinks: true,
  checksumAlgo: false,
} as const;

const HEAD_LIMIT = 1024 * 1024;

/**
 * Parses the message in `source`. Rejects with {@link UnreadableMessageError} when it does not start with a
 * header block; other rejections come from reading the source or the scratch folder.
 */
export async function parseMessage(source: ByteSource, options: ParseOptions, depth = 0): Promise<ParsedMessage> {
  const head = await readHead(source);
  const headerBlock = head.text;
  const parser = new FilingMailParser(MAILPARSER_OPTIONS);
  const attachments: ParsedAttachment[] = [];
  let text: string | undefined;
  let html: string | undefined;
  let headers: Headers | undefined;
  parser.on('headers', (h: Headers) => (headers = h));
  const spoolThreshold = Buffer.isBuffer(source) || options.scratchDir === undefined ? Infinity : options.spoolThreshold;
  const consumed = new Promise<void>((resolve, reject) => {
    const pending: Promise<void>[] = [];
    parser.on('data', (data: AttachmentStream | { type: 'text'; text?: string; html?: string | false }) => {
      if (data.type === 'text') {
        if (typeof data.text === 'string') text = data.text;
        if (typeof data.html === 'string') html = data.html;
        return;
      }
      const part = data as AttachmentStream;
      const entry: ParsedAttachment = {
        filename: part.filename || undefined,
        contentType: (part.contentType || 'application/octet-stream').toLowerCase(),
        cid: part.cid || undefined,
        related: part.related === true,
        data: Buffer.alloc(0),
      };
      attachments.push(entry);
      pending.push(
        collect(part.content, spoolThreshold, options.scratchDir ?? '')
          .then((bytes) => {
            entry.data = bytes;
          })
          .finally(() => part.release?.()),
      );
    });
    parser.once('error', reject);
    parser.once('end', () => Promise.all(pending).then(() => resolve(), reject));
  });
  // Raw 8-bit header bytes that are not UTF-8 would reach mailparser's header decoder, which reads them as UTF-8
  // and makes U+FFFD of them: such a header block is handed over transcoded to UTF-8 instead.
  const recoded = head.utf8 ? undefined : recodeHeader(head);
  const skip = recoded ? head.rawLength : 0;
  await Promise.all([
    Buffer.isBuffer(source)
      ? writeInSlices(parser, recoded ? Buffer.concat([recoded, source.subarray(skip)]) : source)
      : (recoded && parser.write(recoded), pipeline(createReadStream(source.path, { start: skip }), parser)),
    consumed,
  ]);
  const h = headers ?? new Map();
  const smime = isOpaqueSmime(h);
  if (smime && attachments.length === 1) {
    // [MS-OXOSMIME] 2.1.3.2: the one entity is the attachment; Outlook looks for it as smime.p7m.
    attachments[0]!.filename ??= 'smime.p7m';
  }

  for (const a of attachments) {
    if (a.contentType === 'message/rfc822' && depth < options.maxDepth && sizeOf(a.data) > 0) {
      // A part that is not a message (broken forwards happen) stays an ordinary attachment.
      a.embedded = await parseMessage(a.data, options, depth + 1).catch(() => undefined);
    }
  }
  return {
    headerBlock,
    subject: stringHeader(h.get('subject')),
    from: mailboxes(h.get('from'))[0],
    sender: mailboxes(h.get('sender'))[0],
    to: mailboxes(h.get('to')),
    cc: mailboxes(h.get('cc')),
    bcc: mailboxes(h.get('bcc')),
    replyTo: mailboxes(h.get('reply-to')),
    smime: smime || undefined,
    date: headerDate(headerBlock, 'date'),
    received: receivedDate(headerBlock),
    messageId: stringHeader(h.get('message-id')),
    inReplyTo: stringHeader(h.get('in-reply-to')),
    references: stringHeader(h.get('references')),
    priority: h.has('priority') ? (h.get('priority') as ParsedMessage['priority']) : undefined,
    threadIndex: threadIndex(stringHeader(h.get('thread-index'))),
    threadTopic: stringHeader(h.get('thread-topic')),
    sensitivity: stringHeader(h.get('sensitivity'))?.toLowerCase(),
    // [MS-OXOSMIME] 2.1.3.2: the body of an opaque-signed or encrypted message SHOULD NOT be set.
    text: smime ? undefined : text,
    html: smime ? undefined : html,
    attachments,
  };
}

/** mailparser's tree node, as far as {@link FilingMailParser} uses it (mailparser marks these internal). */
interface ParserNode {
  contentType?: string;
  disposition?: string;
  charset?: string;
  isAttachment?: boolean;
  parent?: ParserNode;
  children?: ParserNode[];
  textContent?: string;
  /** Set here: an HTML part without a charset parameter, its bytes kept 1:1 until its `<meta>` is read. */
  sniffCharset?: boolean;
}

/** mailsplit's node, which mailparser's `createNode` is given, as far as {@link FilingMailParser} uses it. */
interface SplitterNode {
  filename?: string | false;
  /** The part's Content-Transfer-Encoding, lower case. */
  encoding?: string;
  /** Makes the stream that decodes the part's transfer encoding. */
  getDecoder(): Transform;
}

/** mailparser's methods that {@link FilingMailParser} extends. */
interface ParserInternals {
  createNode(data: SplitterNode): ParserNode;
  getTextContent(): unknown;
  tree: ParserNode | false;
}

const BODY_TYPES = new Set(['text/plain', 'text/html']);
const internals = MailParser.prototype as unknown as ParserInternals;

/**
 * mailparser with two corrections of which parts make the body:
 *
 * - A text part that carries a file name (`Content-Disposition: inline; filename=server.log`) after the body has
 *   been found is an attachment. mailparser appends every inline text part to the body, losing the file;
 *   [MS-OXCMAIL] 2.2.3.3 takes only the first qualifying part as the body, the others are attachments
 *   (2.2.3.4). Parts of a multipart/alternative stay alternatives of the body.
 * - An HTML part without a charset parameter is decoded by the charset its `<meta>` declares (as a browser
 *   reads it) instead of as UTF-8: its bytes are kept 1:1 (`binary`) and decoded once the part has ended.
 *
 * And one change of speed: base64 parts are decoded by {@link Base64Decoder}, which gives the same bytes as
 * mailparser's decoder in a fraction of its time and memory.
 */
class FilingMailParser extends MailParser {
  private bodyFound = false;

  /** Called by mailparser for every MIME node, before its content. */
  createNode(data: SplitterNode): ParserNode {
    if (data.encoding === 'base64') data.getDecoder = () => new Base64Decoder();
    const node = internals.createNode.call(this, data);
    if (node.isAttachment || node.disposition !== 'inline' || !BODY_TYPES.has(node.contentType ?? '')) return node;
    if (this.bodyFound && data.filename && node.parent?.contentType !== 'multipart/alternative') node.isAttachment = true;
    else {
      this.bodyFound = true;
      if (node.contentType === 'text/html' && !node.charset) {
        node.charset = 'binary';
        node.sniffCharset = true;
      }
    }
    return node;
  }

  /** Called by mailparser once at the end, to join the body parts. */
  getTextContent(): unknown {
    const tree = (this as unknown as ParserInternals).tree;
    const visit = (node: ParserNode) => {
      if (node.sniffCharset && node.textContent !== undefined) node.textContent = decodeHtml(Buffer.from(node.textContent, 'latin1'));
      node.children?.forEach(visit);
    };
    if (tree) visit(tree);
    return internals.getTextContent.call(this);
  }
}

/** HTML bytes without a declared charset: by their `<meta charset>` when it names one we can decode, else UTF-8. */
function decodeHtml(bytes: Buffer): string {
  const meta = /<meta\b[^>]*?\bcharset\s*=\s*["']?([\w.:-]+)/i.exec(bytes.subarray(0, 4096).toString('latin1'));
  const decode = meta ? asciiCompatibleDecoder(meta[1]!) : undefined;
  return decode ? decode(bytes) : bytes.toString('utf8');
}

/**
 * A decoder for a legacy `charset` that keeps ASCII as ASCII (so header fields and markup stay readable).
 * `undefined` for UTF-8 (the bytes were read as that already), UTF-16, and charsets TextDecoder does not know
 * (UTF-7 among them).
 */
function asciiCompatibleDecoder(charset: string): ((bytes: Buffer) => string) | undefined {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(charset.trim());
  } catch {
    return undefined;
  }
  const encoding = decoder.encoding;
  if (encoding === 'utf-8' || encoding.startsWith('utf-16') || encoding === 'replacement') return undefined;
  // Node 20's TextDecoder decodes windows-1252 (and its aliases latin1, iso-8859-1, us-ascii) as Latin-1: 0x80 came
  // out as U+0080, not €.
  return encoding === 'windows-1252' ? decodeWindows1252 : (bytes) => decoder.decode(bytes);
}

/** What windows-1252 has at 0x80–0x9F (the five undefined bytes kept as their C1 controls, as WHATWG does). */
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** windows-1252 bytes as text. */
function decodeWindows1252(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

/**
 * [MS-OXOSMIME] 2.1.3.2: a message that is one `application/pkcs7-mime` or `application/x-pkcs7-mime` entity,
 * or an `application/octet-stream` one whose file name ends in `.p7m`.
 */
function isOpaqueSmime(h: Headers): boolean {
  const type = h.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  const value = type?.value?.toLowerCase();
  if (value === 'application/pkcs7-mime' || value === 'application/x-pkcs7-mime') return true;
  if (value !== 'application/octet-stream') return false;
  const disposition = h.get('content-disposition') as { params?: Record<string, string> } | undefined;
  return [type?.params?.name, disposition?.params?.filename].some((n) => typeof n === 'string' && /\.p7m$/i.test(n.trim()));
}

/**
 * The header block of a message whose header bytes are not UTF-8, transcoded to UTF-8: decoded with the charset
 * the root part declares when it is one that keeps ASCII as ASCII, else windows-1252 (what such mail nearly
 * always is, and a superset of Latin-1).
 */
function recodeHeader(head: Head): Buffer | undefined {
  if (head.rawLength === 0) return undefined;
  const declared = /\bcharset\s*=\s*["']?([\w.:-]+)/i.exec(fieldValues(head.text, 'content-type')[0] ?? '')?.[1];
  // A declared UTF-8 is what the bytes are not: then, too, windows-1252.
  const decode = (declared && asciiCompatibleDecoder(declared)) || decodeWindows1252;
  return Buffer.from(decode(head.raw), 'utf8');
}

/**
 * Bytes handed to the parser per write. It handles a write in one go, so a 12 MiB message written at once held its
 * thread for about 140 ms; on the calling thread that is the engine's thread, with its timers and requests.
 */
const WRITE_SLICE = 1024 * 1024;

/**
 * Writes `bytes` to the parser and ends it: in one write when they fit a slice (a stream around a small buffer would
 * only add overhead), else slice by slice, each after the parser has taken the one before. Rejects when the parser
 * fails.
 */
async function writeInSlices(parser: Writable, bytes: Buffer): Promise<void> {
  if (bytes.length <= WRITE_SLICE) {
    parser.end(bytes);
    return;
  }
  for (let at = 0; at < bytes.length; at += WRITE_SLICE) {
    if (!parser.write(bytes.subarray(at, at + WRITE_SLICE))) await once(parser, 'drain');
  }
  parser.end();
}

/**
 * Collects a part in memory, moving it to a spool file in `scratchDir` once it grows past `threshold`.
 * Listens to the part's events directly: a pipeline per part cost more than collecting a small part.
 */
function collect(content: Readable, threshold: number, scratchDir: string): Promise<ByteSource> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let spool: { path: string; out: WriteStream } | undefined;
    const fail = (err: Error) => {
      content.destroy();
      spool?.out.destroy();
      reject(err);
    };
    content.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!spool && size > threshold) {
        const path = join(scratchDir, `part-${randomUUID()}.bin`);
        spool = { path, out: createWriteStream(path).once('error', fail) };
        for (const c of chunks.splice(0)) spool.out.write(c);
      }
      if (!spool) chunks.push(chunk);
      else if (!spool.out.write(chunk)) {
        content.pause();
        spool.out.once('drain', () => content.resume());
      }
    });
    content.once('error', fail);
    content.once('end', () => {
      if (!spool) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      else {
        const { path, out } = spool;
        out.end(() => resolve({ path, size }));
      }
    });
  });
}

/**
 * Reads the original header block: the bytes before the first empty line, as UTF-8 when they are valid
 * UTF-8 and as Latin-1 otherwise, with CRLF line ends. Rejects with {@link UnreadableMessageError} when the
 * source does not begin with a header field.
 */
export async function readHeaderBlock(source: ByteSource): Promise<string> {
  return (await readHead(source)).text;
}

/** The header block as {@link readHeaderBlock} reads it, with its bytes. */
interface Head {
  /** The header block, CRLF line ends, ending with an empty line. */
  text: string;
  /** The header bytes: the field lines up to the empty line that ends them. */
  raw: Buffer;
  /** How many bytes of the message `raw` covers; 0 when the header block's end lies beyond what was read. */
  rawLength: number;
  /** The header bytes are valid UTF-8 (or ASCII). */
  utf8: boolean;
}

async function readHead(source: ByteSource): Promise<Head> {
  const total = sizeOf(source);
  let head: Buffer;
  if (Buffer.isBuffer(source)) head = source.subarray(0, HEAD_LIMIT);
  else {
    const handle = await open(source.path, 'r');
    try {
      const buf = Buffer.alloc(Math.min(HEAD_LIMIT, total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
  if (head.length === 0) throw new UnreadableMessageError('an RFC 5322 message (header fields, an empty line, a body)', 'an empty input');
  let end = head.length;
  let found = head.length === total;
  for (let i = 0; i < head.length; i++) {
    if (head[i] === 0x0a && (head[i + 1] === 0x0a || (head[i + 1] === 0x0d && head[i + 2] === 0x0a))) {
      end = i + 1;
      found = true;
      break;
    }
  }
  const raw = head.subarray(0, end);
  const lf = raw.indexOf(0x0a);
  const firstLine = raw.subarray(0, lf < 0 ? raw.length : lf).toString('latin1').replace(/\r$/, '');
  if (!/^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(firstLine) || raw.includes(0)) {
    throw new UnreadableMessageError('an RFC 5322 message starting with header fields ("Name: value" lines)', describeStart(head));
  }
  let text: string;
  let utf8 = true;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    text = raw.toString('latin1');
    utf8 = false;
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return { text: lines.join('\r\n') + '\r\n\r\n', raw, rawLength: found ? end : 0, utf8 };
}

/** Says what the input starts with: its first line when it is text, its first bytes when it is not. */
function describeStart(head: Buffer): string {
  const start = head.subarray(0, 16);
  const controls = start.some((b) => (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f);
  if (controls || head.subarray(0, 200).toString('utf8').slice(0, 16).includes('\ufffd')) {
    return `binary data starting with bytes ${[...start].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
  }
  const line = head.subarray(0, 200).toString('utf8').split(/\r?\n/)[0]!;
  return `text starting with ${JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line)}`;
}

function stringHeader(value: unknown): string | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  const s = Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : String(value);
  return s.trim() || undefined;
}

function mailboxes(value: unknown): Mailbox[] {
  if (!value) return [];
  const objects = (Array.isArray(value) ? value : [value]) as AddressObject[];
  const out: Mailbox[] = [];
  const walk = (list: EmailAddress[]) => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address) out.push({ name: (a.name ?? '').trim(), address: a.address.trim() });
    }
  };
  for (const o of objects) if (o && Array.isArray(o.value)) walk(o.value);
  return out;
}

/** Thread-Index is base64; anything else is ignored rather than stored as garbage. */
function threadIndex(value: string | undefined): Buffer | undefined {
  if (!value || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length >= 22 ? bytes : undefined;
}

/** Unfolded values of one header field, in order. */
function fieldValues(headerBlock: string, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^${name}[ \\t]*:(.*(?:\\r\\n[ \\t].*)*)`, 'gim');
  for (const m of headerBlock.matchAll(re)) out.push(m[1]!.replace(/\r\n/g, '').trim());
  return out;
}

/**
 * The Date header when it parses, by RFC 5322's rules and never by this machine's zone (so the .msg's sent time
 * agrees with the file name core derives from the same header); mailparser would substitute the current time for
 * a bad one.
 */
function headerDate(headerBlock: string, name: string): Date | undefined {
  const value = fieldValues(headerBlock, name)[0];
  return value ? parseRfc5322Date(value) : undefined;
}

/** The date of the newest (topmost) Received header: the time after its last semicolon. */
function receivedDate(headerBlock: string): Date | undefined {
  const value = fieldValues(headerBlock, 'received')[0];
  if (!value || !value.includes(';')) return undefined;
  return parseRfc5322Date(value.slice(value.lastIndexOf(';') + 1));
}
