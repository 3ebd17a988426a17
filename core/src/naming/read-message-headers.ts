/**
 * Reads what naming needs from the header block of a raw RFC 5322 message.
 * @packageDocumentation
 */
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';
import type { Mailbox } from '../contracts/filing.js';
import { parseRfc5322Date } from './rfc5322-date.js';

/** Headers beyond this many bytes are not read: naming needs a handful of fields near the top. */
export const DEFAULT_MAX_HEADER_BYTES = 256 * 1024;

/** The fields of a message header the namer uses, decoded. */
export interface MessageHeaders {
  /** `Subject:`, encoded words decoded; `undefined` when absent. */
  subject?: string;
  /** The first mailbox of `From:`, encoded words decoded. */
  from?: Mailbox;
  /** `Date:` read as RFC 5322; `undefined` when absent or unreadable (the caller falls back to filed-at). */
  date?: Date;
  /** `Message-ID:` without angle brackets. */
  messageId?: string;
  /** Every header read, by lower-case name, values unfolded but not decoded. */
  all: Record<string, string[]>;
  /** The header block was longer than the limit; fields after it were not seen. */
  truncated: boolean;
}

/** Options of {@link readMessageHeaders}. */
export interface ReadHeadersOptions {
  /** Stop after this many bytes of header; default {@link DEFAULT_MAX_HEADER_BYTES}. */
  maxHeaderBytes?: number;
}

/**
 * Reads the header block of a raw message from `stream` (up to the first empty line, or
 * `maxHeaderBytes`), then stops reading and destroys the stream: the body is not needed for
 * naming. A message already in memory is best given as `[bytes]`: ending a Node stream early
 * costs an error object with its stack. Folded lines are unfolded, encoded words (RFC 2047) in `Subject` and `From` decoded,
 * raw UTF-8 (RFC 6532) accepted (other 8-bit bytes read as Latin-1), a leading mbox `From ` line
 * skipped. A message with no header block gives empty fields. Rejects only when the stream fails.
 * @public
 */
export async function readMessageHeaders(
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ReadHeadersOptions = {},
): Promise<MessageHeaders> {
  const max = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const { block, truncated } = await readHeaderBlock(stream, max);
  return parseHeaderBlock(decodeBytes(block), truncated);
}

/**
 * Parses an already read header block (see {@link readMessageHeaders}).
 * @public
 */
export function parseHeaderBlock(text: string, truncated = false): MessageHeaders {
  let lines = text.split(/\r\n|\n|\r/);
  if (lines[0]?.startsWith('From ')) lines = lines.slice(1);
  // A block cut by the limit may end inside a line; that line is dropped rather than misread.
  if (truncated) lines = lines.slice(0, -1);
  const all = libmime.decodeHeaders(lines.join('\r\n'), { skipPrototypeKeys: true }) as Record<string, string[]>;
  const first = (key: string): string | undefined => all[key]?.[0];
  const subjectRaw = first('subject');
  const fromRaw = first('from');
  const idRaw = first('message-id');
  const headers: MessageHeaders = { all, truncated };
  if (subjectRaw !== undefined) headers.subject = decodeWords(subjectRaw);
  if (fromRaw !== undefined) {
    const from = parseMailbox(fromRaw);
    if (from) headers.from = from;
  }
  const date = parseRfc5322Date(first('date'));
  if (date) headers.date = date;
  const id = idRaw?.trim().replace(/^<|>$/g, '').trim();
  if (id) headers.messageId = id;
  return headers;
}

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    // An unknown charset or broken encoding: the raw text still names the message.
    return value;
  }
}

/** The first mailbox of an address list (the first member of a group if that comes first). */
function parseMailbox(value: string): Mailbox | undefined {
  const list = addressparser(value, { flatten: true });
  const first = list[0];
  if (!first) return undefined;
  const mailbox: Mailbox = {};
  const name = decodeWords(first.name ?? '').trim();
  if (name) mailbox.name = name;
  if (first.address) mailbox.address = first.address;
  return mailbox.name === undefined && mailbox.address === undefined ? undefined : mailbox;
}

function decodeBytes(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

async function readHeaderBlock(stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, max: number): Promise<{ block: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let length = 0;
  // The loop's `return`/`break` ends the iteration, which destroys a Node stream: the body is never read.
  for await (const chunk of stream) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // Search from a little before the new chunk, so a separator split across chunks is found.
    const from = Math.max(0, length - 3);
    chunks.push(buf);
    length += buf.length;
    const all = chunks.length === 1 ? buf : Buffer.concat(chunks);
    if (chunks.length > 1) { chunks.length = 0; chunks.push(all); }
    const end = headerEnd(all, from);
    if (end >= 0) return { block: all.subarray(0, Math.min(end, max)), truncated: end > max };
    if (length >= max) return { block: all.subarray(0, max), truncated: true };
  }
  return { block: chunks.length ? Buffer.concat(chunks) : Buffer.alloc(0), truncated: false };
}

/** Offset of the empty line that ends the header block, or -1. A message starting with one has no headers. */
function headerEnd(buf: Buffer, from: number): number {
  if (buf[0] === 0x0a || (buf[0] === 0x0d && buf[1] === 0x0a)) return 0;
  for (let i = Math.max(1, from); i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return i + 1;
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 1;
  }
  return -1;
}
