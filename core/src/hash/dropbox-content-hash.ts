import { createHash, type Hash } from 'node:crypto';
import type { Hasher, HasherFactory } from './hasher.js';
import { registerHashKind } from './hasher.js';

/**
 * Dropbox's `content_hash`, the hash Dropbox reports for every stored file.
 *
 * The content is split into blocks of 4 MiB (the last one shorter); each block is hashed with
 * SHA-256, and the value is the SHA-256 of the concatenated block digests, as lower-case hex.
 * Empty content has no blocks, so its value is the SHA-256 of nothing.
 *
 * No maintained npm package implements it for the SDK version we can use on Node 20
 * (`dropbox` 10.34.0), so it lives here.
 * @packageDocumentation
 */

/** Dropbox's block size: 4 MiB. */
export const DROPBOX_HASH_BLOCK_SIZE = 4 * 1024 * 1024;

/**
 * An incremental Dropbox content hasher. Feed it any split of the input; the result does not
 * depend on how the bytes were chunked.
 * @public
 */
export class DropboxContentHasher implements Hasher {
  private readonly overall: Hash = createHash('sha256');
  private block: Hash = createHash('sha256');
  // Bytes already in the current block.
  private blockFill = 0;

  /** Adds bytes to the hash. */
  update(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(DROPBOX_HASH_BLOCK_SIZE - this.blockFill, chunk.length - offset);
      this.block.update(chunk.subarray(offset, offset + take));
      this.blockFill += take;
      offset += take;
      if (this.blockFill === DROPBOX_HASH_BLOCK_SIZE) this.closeBlock();
    }
  }

  /** The hash, hex-encoded as Dropbox reports it. Call once: it finishes the hasher. */
  digest(): string {
    if (this.blockFill > 0) this.closeBlock();
    return this.overall.digest('hex');
  }

  private closeBlock(): void {
    this.overall.update(this.block.digest());
    this.block = createHash('sha256');
    this.blockFill = 0;
  }
}

/**
 * Makes a fresh {@link DropboxContentHasher}; registered as hash kind `dropbox`.
 * @public
 */
export const dropboxContentHasher: HasherFactory = () => new DropboxContentHasher();

/**
 * The Dropbox `content_hash` of `bytes`.
 * @public
 */
export function dropboxContentHash(bytes: Uint8Array): string {
  const hasher = new DropboxContentHasher();
  hasher.update(bytes);
  return hasher.digest();
}

registerHashKind('dropbox', dropboxContentHasher);
