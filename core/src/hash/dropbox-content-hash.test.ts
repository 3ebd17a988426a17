import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { BufferContent } from '../content/buffer-content.js';
import { createHasher } from './hasher.js';
import { DROPBOX_HASH_BLOCK_SIZE, DropboxContentHasher, dropboxContentHash } from './dropbox-content-hash.js';

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

// Dropbox's published example (developers "Content hash" page): milky-way-nasa.jpg, 9,711,423 bytes
// in three blocks, with the SHA-256 of each block and the file's content_hash. The picture itself
// is not vendored; the block digests are what the published example states.
const MILKY_WAY_BLOCKS = [
  '2a846fa617c3361fc117e1c5c1e1838c336b6a5cef982c1a2d9bdf68f2f1992a',
  'c68469027410ea393eba6551b9fa1e26db775f00eae70a0c3c129a0011a39cf9',
  '7376192de020925ce6c5ef5a8a0405e931b0a9a8c75517aacd9ca24a8a56818b',
];
const MILKY_WAY_CONTENT_HASH = '485291fa0ee50c016982abbfa943957bcd231aae0492ccbaa22c58e3997b35e0';

/** Deterministic bytes, different in every block. */
function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + (i >>> 12)) & 0xff;
  return b;
}

describe('Dropbox content hash', () => {
  it('combines block digests as Dropbox\'s published example does', () => {
    // The published example's file hash is the SHA-256 of its three block digests.
    const combined = sha256(Buffer.concat(MILKY_WAY_BLOCKS.map((h) => Buffer.from(h, 'hex')))).toString('hex');
    expect(combined).to.equal(MILKY_WAY_CONTENT_HASH);
  });

  it('is the SHA-256 of nothing for empty content', () => {
    expect(dropboxContentHash(Buffer.alloc(0))).to.equal(sha256(Buffer.alloc(0)).toString('hex'));
  });

  it('hashes content below one block as SHA-256 of its SHA-256', () => {
    const data = Buffer.from('20261128T144613Z Site visit notes');
    expect(dropboxContentHash(data)).to.equal(sha256(sha256(data)).toString('hex'));
  });

  it('splits at exactly 4 MiB, the last block shorter', () => {
    const data = pattern(2 * DROPBOX_HASH_BLOCK_SIZE + 12345);
    const blocks = [
      data.subarray(0, DROPBOX_HASH_BLOCK_SIZE),
      data.subarray(DROPBOX_HASH_BLOCK_SIZE, 2 * DROPBOX_HASH_BLOCK_SIZE),
      data.subarray(2 * DROPBOX_HASH_BLOCK_SIZE),
    ];
    const expected = sha256(Buffer.concat(blocks.map(sha256))).toString('hex');
    expect(dropboxContentHash(data)).to.equal(expected);
    // A content of exactly one block has one block digest, not an extra empty one.
    const one = data.subarray(0, DROPBOX_HASH_BLOCK_SIZE);
    expect(dropboxContentHash(one)).to.equal(sha256(sha256(one)).toString('hex'));
  });

  it('does not depend on how the bytes are chunked', () => {
    const data = pattern(DROPBOX_HASH_BLOCK_SIZE + 777);
    const hasher = new DropboxContentHasher();
    for (let i = 0, step = 1; i < data.length; i += step, step = (step * 7 + 13) % 300_001 || 1) {
      hasher.update(data.subarray(i, Math.min(data.length, i + step)));
    }
    expect(hasher.digest()).to.equal(dropboxContentHash(data));
  });

  it('is registered as hash kind "dropbox" and used by Content.digest', async () => {
    const data = pattern(5000);
    const h = createHasher('dropbox');
    h.update(data);
    expect(h.digest()).to.equal(dropboxContentHash(data));
    expect(await new BufferContent(data).digest('dropbox')).to.equal(dropboxContentHash(data));
  });
});
