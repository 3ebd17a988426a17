import type { Hasher, HasherFactory } from './hasher.js';
import { registerHashKind } from './hasher.js';

/**
 * Microsoft's QuickXorHash, the content hash OneDrive and SharePoint report as
 * `file.hashes.quickXorHash` (the only hash Graph guarantees on every drive type).
 *
 * The hash is a 160-bit vector: byte `i` of the input is XORed in at bit `(11 * i) mod 160`,
 * wrapping around the end of the vector; finally the input length, as a 64-bit little-endian
 * integer, is XORed into the last 8 bytes. The value is the 20 bytes in Base64.
 *
 * No maintained npm package implements it, so it lives here.
 * @packageDocumentation
 */

/** Width of the hash in bits. */
const WIDTH_BITS = 160;
/** Width of the hash in bytes. */
const WIDTH_BYTES = WIDTH_BITS / 8;
/** How far each input byte's position moves along the vector. */
const SHIFT = 11;

/**
 * An incremental QuickXorHash. Feed it any split of the input; the result does not depend on
 * how the bytes were chunked.
 * @public
 */
export class QuickXorHasher implements Hasher {
  // The vector as bytes, least significant first: bit k lives in bit (k % 8) of byte k / 8.
  private readonly vector = new Uint8Array(WIDTH_BYTES);
  // Bit position of the next input byte.
  private position = 0;
  // Bytes seen so far; a bigint because a file may exceed 2^53 bytes in theory and the
  // length is mixed in as a full 64-bit value.
  private length = 0n;

  /** Adds bytes to the hash. */
  update(chunk: Uint8Array): void {
    const vector = this.vector;
    let position = this.position;
    for (let i = 0; i < chunk.length; i++) {
      const shifted = chunk[i]! << (position & 7);
      const at = position >>> 3;
      vector[at] ^= shifted & 0xff;
      // The byte straddles two vector bytes unless it is aligned; the last byte wraps to the first.
      if (shifted > 0xff) vector[at === WIDTH_BYTES - 1 ? 0 : at + 1] ^= shifted >>> 8;
      position += SHIFT;
      if (position >= WIDTH_BITS) position -= WIDTH_BITS;
    }
    this.position = position;
    this.length += BigInt(chunk.length);
  }

  /** The hash so far, Base64-encoded as Graph reports it. Does not reset the hasher. */
  digest(): string {
    const out = Buffer.from(this.vector);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt.asUintN(64, this.length));
    for (let i = 0; i < 8; i++) out[WIDTH_BYTES - 8 + i] ^= length[i]!;
    return out.toString('base64');
  }
}

/**
 * Makes a fresh {@link QuickXorHasher}; registered as hash kind `quickxor`.
 * @public
 */
export const quickXorHasher: HasherFactory = () => new QuickXorHasher();

/**
 * The QuickXorHash of `bytes`, Base64-encoded.
 * @public
 */
export function quickXorHash(bytes: Uint8Array): string {
  const hasher = new QuickXorHasher();
  hasher.update(bytes);
  return hasher.digest();
}

registerHashKind('quickxor', quickXorHasher);
