/**
 * A streaming decoder of MIME base64 bodies that hands whole runs of text to Node's native decoder.
 * @packageDocumentation
 */
import { Transform, type TransformCallback } from 'node:stream';

/** 1 for the characters of the base64 alphabet (RFC 2045 6.8), 2 for the pad `=`, 3 for `-` and `_`, else 0. */
const CLASS = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') CLASS[c.charCodeAt(0)] = 1;
CLASS[0x3d] = 2;
CLASS[0x2d] = 3;
CLASS[0x5f] = 3;

/** No bytes. */
const EMPTY = Buffer.alloc(0);

/**
 * Counts the alphabet characters of `bytes` from `from` up to the first `=`, `-` or `_` (or the end). Returns the
 * count and where it stopped. Kept small so that it is optimised early: it is the loop over every byte that
 * chunks with padding or stray characters need.
 */
function scan(bytes: Uint8Array, from: number): { count: number; stop: number } {
  let count = 0;
  let i = from;
  for (; i < bytes.length; i++) {
    const kind = CLASS[bytes[i]!]!;
    if (kind === 1) count++;
    else if (kind !== 0) break;
  }
  return { count, stop: i };
}

/** How often `byte` occurs in `bytes`, found by native search: much faster than a loop over the bytes. */
function occurrences(bytes: Buffer, byte: number): number {
  let n = 0;
  for (let at = bytes.indexOf(byte); at >= 0; at = bytes.indexOf(byte, at + 1)) n++;
  return n;
}

/**
 * Decodes a base64 body as it streams, with the same result as mailparser's own decoder (libbase64): characters
 * outside the alphabet are skipped, and text after padding starts a new run (bodies made of several padded
 * pieces). Node's decoder does the decoding; this only finds where complete quanta end, so that a chunk is
 * decoded in one native call instead of through a regular expression and several string copies, which was the
 * largest cost of converting a message with attachments.
 *
 * Never fails: input that is not base64 decodes to whatever its alphabet characters spell, as libbase64's does.
 */
export class Base64Decoder extends Transform {
  /** The bytes of an incomplete quantum (its up to three alphabet characters, and what lay between them). */
  private carry: Buffer = EMPTY;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = EMPTY;
    if (this.decodeLines(bytes)) return done();
    let start = 0;
    let count = 0;
    let at = 0;
    for (;;) {
      const found = scan(bytes, at);
      count += found.count;
      at = found.stop;
      if (at >= bytes.length) break;
      if (CLASS[bytes[at]!] === 3) {
        // Node reads "-" and "_" as base64url digits; MIME base64 has none, and libbase64 skips them.
        // What is not decoded yet goes round again without them.
        return this._transform(Buffer.from(bytes.toString('latin1', start).replace(/[-_]/g, ''), 'latin1'), _encoding, done);
      }
      // A pad ends its run (Node's decoder stops at the first "="): decode it alone, padding and all.
      at++;
      while (at < bytes.length && (bytes[at] === 0x3d || CLASS[bytes[at]!] === 0)) at++;
      this.decode(bytes, start, at);
      start = at;
      count = 0;
    }
    // The last count % 4 alphabet characters wait for the rest of their quantum.
    let cut = bytes.length;
    for (let keep = count % 4; keep > 0; ) if (CLASS[bytes[--cut]!] === 1) keep--;
    this.decode(bytes, start, cut);
    if (cut < bytes.length) this.carry = Buffer.from(bytes.subarray(cut));
    done();
  }

  /**
   * The usual cases, without a loop over the bytes: base64 in lines, without base64url characters, and with
   * padding only at its end.
   *
   * - Padding followed by nothing but more padding and stray characters ends the body: the chunk is one run.
   * - Without padding, if line breaks are the only other characters, the alphabet characters number the bytes
   *   less the breaks, and the chunk is decoded up to its last complete quantum. The decoded length proves the
   *   guess: any other stray character would make it shorter (the decoded part holds whole quanta).
   *
   * Returns false, having pushed nothing, when the chunk needs {@link scan}.
   */
  private decodeLines(bytes: Buffer): boolean {
    if (bytes.indexOf(0x2d) >= 0 || bytes.indexOf(0x5f) >= 0) return false;
    const pad = bytes.indexOf(0x3d);
    if (pad >= 0) {
      for (let i = pad + 1; i < bytes.length; i++) if (CLASS[bytes[i]!] === 1) return false;
      this.decode(bytes, 0, bytes.length);
      return true;
    }
    const count = bytes.length - occurrences(bytes, 0x0a) - occurrences(bytes, 0x0d);
    let cut = bytes.length;
    for (let keep = count % 4; keep > 0 && cut > 0; ) {
      const c = bytes[--cut];
      if (c !== 0x0a && c !== 0x0d) keep--;
    }
    const decoded = cut > 0 ? Buffer.from(bytes.toString('latin1', 0, cut), 'base64') : EMPTY;
    if (decoded.length !== ((count - (count % 4)) / 4) * 3) return false;
    if (decoded.length > 0) this.push(decoded);
    if (cut < bytes.length) this.carry = Buffer.from(bytes.subarray(cut));
    return true;
  }

  override _flush(done: TransformCallback): void {
    this.decode(this.carry, 0, this.carry.length);
    this.carry = EMPTY;
    done();
  }

  /** Pushes the decoded bytes of `bytes[from, to)`. */
  private decode(bytes: Buffer, from: number, to: number): void {
    if (to <= from) return;
    const decoded = Buffer.from(bytes.toString('latin1', from, to), 'base64');
    if (decoded.length > 0) this.push(decoded);
  }
}
