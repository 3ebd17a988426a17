import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { BufferContent } from './buffer-content.js';
import { FileContent } from './file-content.js';
import { readRange } from './read-range.js';

describe('readRange', () => {
  const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));

  it('reads a middle range of buffer and file contents', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'read-range-'));
    try {
      const file = path.join(dir, 'spool');
      await writeFile(file, data);
      for (const content of [new BufferContent(data), await FileContent.of(file)]) {
        expect((await readRange(content, 70_000, 200_001)).equals(data.subarray(70_000, 200_001))).to.equal(true);
        expect((await readRange(content, 5, 5)).length).to.equal(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a range outside the content', async () => {
    let error: unknown;
    await readRange(new BufferContent(data), 0, data.length + 1).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(RangeError);
  });
});
