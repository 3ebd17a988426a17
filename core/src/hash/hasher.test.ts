import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createHasher, hashBuffer, hashStream } from './hasher.js';

describe('hashers', () => {
  const small = Buffer.from('The drawings are attached.');
  const large = Buffer.alloc(3 * 1024 * 1024, 7);

  it('hashes buffers of every size like node:crypto, large SHA ones off the main thread', async () => {
    for (const kind of ['md5', 'sha1', 'sha256', 'sha512']) {
      for (const bytes of [small, large, Buffer.alloc(0)]) {
        expect(await hashBuffer(bytes, kind), `${kind} of ${bytes.length} bytes`).to.equal(createHash(kind).update(bytes).digest('hex'));
      }
    }
  });

  it('gives the same value for a stream as for the buffer', async () => {
    expect(await hashStream(Readable.from([large.subarray(0, 1000), large.subarray(1000)]), 'sha256')).to.equal(await hashBuffer(large, 'sha256'));
  });

  it('names the known kinds when asked for an unknown one', async () => {
    expect(() => createHasher('crc32')).to.throw(/Unknown hash kind "crc32"; known: md5, sha1, sha256, sha512/);
    const err = await hashBuffer(small, 'crc32').catch((e: unknown) => e as Error);
    expect((err as Error).message).to.match(/Unknown hash kind "crc32"/);
  });
});
