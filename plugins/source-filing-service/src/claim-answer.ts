/**
 * Reads the answer to `POST /claims` in either form the API gives it: `multipart/form-data` (a `page`
 * part, then the raw bytes of each inline message) or `application/json` (inline messages in base64).
 * @packageDocumentation
 */
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { Busboy } from '@fastify/busboy';
import { WireError, readInlineContent } from './wire.js';

/** What the client sends as `Accept` on a claim that asks for inline messages: raw bytes preferred. */
export const CLAIM_ACCEPT = 'multipart/form-data, application/json;q=0.9';

/** A claim answer, parsed: the JSON page and the inline messages by their filing's index in `items`. */
export interface ClaimAnswer {
  /** The page object (`items`, `reservedUntil`), not yet checked against the API. */
  page: unknown;
  /** Inline messages, keyed by the index of their filing in `page.items`. */
  contents: Map<number, Buffer>;
  /**
   * Inline messages that were there but not usable (empty, too long, not `message/rfc822`, not base64, sent
   * twice), by index: their filings are still claimed, and their messages fetched on their own instead.
   */
  unusable: Map<number, WireError>;
}

/** The largest `page` part read: 1000 filings with long subjects and many targets stay far below it. */
const PAGE_MAX_BYTES = 16 * 1024 * 1024;

// No leading zeros: `items[01]` would be a second name for `items[1]`.
const CONTENT_PART = /^items\[(0|[1-9]\d{0,3})\]\.content$/;

/**
 * Parses `body` (the bytes, or the response stream as it arrives), given with its `Content-Type`. An
 * inline message that cannot be used (longer than `maxContentBytes`, what the claim asked for; empty; of
 * another type; not base64) is left out and listed in `unusable`. Rejects with {@link WireError} naming
 * the part or field when the answer as a whole does not match the API (no page, parts out of order, a
 * body cut off or failing); a stream is destroyed then.
 */
export async function readClaimAnswer(body: Buffer | Readable, contentType: string, maxContentBytes: number): Promise<ClaimAnswer> {
  if (/^multipart\/form-data\s*;/i.test(contentType)) return readMultipart(body, contentType, maxContentBytes);
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(contentType)) {
    if (!Buffer.isBuffer(body)) body.destroy();
    throw new WireError('(Content-Type)', 'application/json or multipart/form-data', contentType);
  }
  return readJson(Buffer.isBuffer(body) ? body : await readAll(body));
}

/** Every byte of `stream`; rejects with {@link WireError} when it fails. */
async function readAll(stream: Readable): Promise<Buffer> {
  try {
    return await buffer(stream);
  } catch (err) {
    throw new WireError('(body)', 'a complete answer', (err as Error).message);
  }
}

function readJson(body: Buffer): ClaimAnswer {
  let page: unknown;
  try {
    page = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WireError('(body)', 'JSON', `${body.length} bytes that do not parse`);
  }
  const contents = new Map<number, Buffer>();
  const unusable = new Map<number, WireError>();
  const items = (page as { items?: unknown } | null)?.items;
  if (Array.isArray(items)) {
    items.forEach((item, i) => {
      try {
        const bytes = item !== null && typeof item === 'object' ? readInlineContent(item, `items[${i}]`) : undefined;
        if (bytes) contents.set(i, bytes);
      } catch (err) {
        if (!(err instanceof WireError)) throw err;
        unusable.set(i, err);
      }
    });
  }
  return { page, contents, unusable };
}

function readMultipart(body: Buffer | Readable, contentType: string, maxContentBytes: number): Promise<ClaimAnswer> {
  return new Promise<ClaimAnswer>((resolve, reject) => {
    let page: unknown;
    let sawPage = false;
    const contents = new Map<number, Buffer>();
    const unusable = new Map<number, WireError>();
    /** One message part that cannot be used: its filing's message is fetched on its own. */
    const drop = (index: number, err: WireError) => {
      contents.delete(index);
      if (!unusable.has(index)) unusable.set(index, err);
    };
    const seen = new Set<string>();
    let failed: WireError | undefined;
    const fail = (err: WireError) => (failed ??= err);
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: { 'content-type': contentType },
        // Only `page` is text; every other part is a message, whatever it is called, so it is checked below.
        isPartAFile: (name) => name !== 'page',
        limits: { fieldSize: PAGE_MAX_BYTES, fileSize: maxContentBytes, fieldNameSize: 64 },
      });
    } catch (err) {
      if (!Buffer.isBuffer(body)) body.destroy();
      reject(new WireError('(Content-Type)', 'multipart/form-data with a boundary', `${contentType} (${(err as Error).message})`));
      return;
    }
    parser.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
      if (valueTruncated) return fail(new WireError('page', `at most ${PAGE_MAX_BYTES} bytes of JSON`, 'more'));
      // A second page would give the message parts a second set of filings to belong to.
      if (sawPage) return fail(new WireError('page', 'one part', 'a second one'));
      sawPage = true;
      try {
        page = JSON.parse(value);
      } catch {
        fail(new WireError('page', 'JSON', `${value.length} characters that do not parse`));
      }
    });
    parser.on('file', (name: string, stream: NodeJS.ReadableStream & { truncated?: boolean }, _filename: string, _encoding: string, mimeType: string) => {
      const index = CONTENT_PART.exec(name)?.[1];
      if (index === undefined) fail(new WireError('(part name)', 'page or items[N].content', name));
      // The API sends the page first, so that every message part can be checked against the filings it lists.
      else if (!sawPage) fail(new WireError(name, 'a part after the page', 'a part before it'));
      const twice = seen.has(name);
      seen.add(name);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => reject(new WireError('(body)', 'a complete multipart/form-data answer', err.message)));
      stream.on('end', () => {
        if (index === undefined) return;
        const i = Number(index);
        // A problem with one message is that message's: the other filings of the claim are not held up by it.
        if (twice) drop(i, new WireError(name, 'one part', 'a second one'));
        else if (stream.truncated) drop(i, new WireError(name, `a message of at most ${maxContentBytes} bytes (the size asked for)`, 'a longer one'));
        else if (chunks.length === 0) drop(i, new WireError(name, 'a message', 'no bytes'));
        else if (!/^message\/rfc822\b/i.test(mimeType)) drop(i, new WireError(`${name} (Content-Type)`, 'message/rfc822', mimeType));
        // Copied out of the answer: a view would keep the whole answer in memory for as long as one message lives.
        else if (!unusable.has(i)) contents.set(i, Buffer.concat(chunks));
      });
    });
    parser.on('error', (err: unknown) => {
      reject(new WireError('(body)', 'a complete multipart/form-data answer', (err as Error).message));
      // The rest of the answer is of no use: the connection is not kept reading it.
      if (!Buffer.isBuffer(body)) body.destroy();
    });
    parser.on('finish', () => {
      if (failed) return reject(failed);
      if (!sawPage) return reject(new WireError('page', 'a part with the JSON page', 'nothing'));
      const items = (page as { items?: unknown } | null)?.items;
      const count = Array.isArray(items) ? items.length : 0;
      for (const i of contents.keys()) if (i >= count) drop(i, new WireError(`items[${i}].content`, `the message of one of the ${count} filings in the page`, 'a part for no filing'));
      resolve({ page, contents, unusable });
    });
    if (Buffer.isBuffer(body)) {
      parser.end(body);
      return;
    }
    // Parsed as it arrives: no copy of the whole answer is ever made.
    body.once('error', (err: Error) => {
      reject(new WireError('(body)', 'a complete multipart/form-data answer', err.message));
      parser.destroy();
    });
    body.pipe(parser);
  });
}
