import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHasher, hashBuffer, hashFile, hashStream } from './hasher.js';

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

  it('hashes a file through one buffer to the value of its bytes, also across buffer boundaries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-'));
    try {
      const bytes = Buffer.alloc(2.5 * 1024 * 1024);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 251;
      await writeFile(join(dir, 'f'), bytes);
      for (const kind of ['md5', 'sha256']) expect(await hashFile(join(dir, 'f'), kind)).to.equal(createHash(kind).update(bytes).digest('hex'));
      await writeFile(join(dir, 'empty'), '');
      expect(await hashFile(join(dir, 'empty'), 'sha1')).to.equal(createHash('sha1').digest('hex'));
      expect(((await hashFile(join(dir, 'missing'), 'sha1').catch((e: unknown) => e)) as NodeJS.ErrnoException).code).to.equal('ENOENT');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the known kinds when asked for an unknown one', async () => {
    expect(() => createHasher('crc32')).to.throw(/Unknown hash kind "crc32"; known: md5, sha1, sha256, sha512/);
    const err = await hashBuffer(small, 'crc32').catch((e: unknown) => e as Error);
    expect((err as Error).message).to.match(/Unknown hash kind "crc32"/);
  });
});
