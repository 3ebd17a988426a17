import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BufferContent } from '../content/buffer-content.js';
import { FileContent } from '../content/file-content.js';
import { Spool } from './spool.js';

describe('Spool', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'spool-'));
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  const chunks = (n: number, size: number) => Readable.from(Array.from({ length: n }, (_, i) => Buffer.alloc(size, i)));

  it('keeps a small message in memory and makes no folder unless a formatter asks for one', async () => {
    const spool = await Spool.fill(root, 'F1-1', chunks(3, 1000), undefined, 10_000);
    expect(spool.message).to.be.instanceOf(BufferContent);
    expect((await spool.message.bytes()).equals(Buffer.concat([Buffer.alloc(1000, 0), Buffer.alloc(1000, 1), Buffer.alloc(1000, 2)]))).to.equal(true);
    expect(existsSync(join(root, 'F1-1'))).to.equal(false);
    const dir = spool.scratchDir;
    expect(existsSync(dir)).to.equal(true);
    await spool.dispose();
    expect(existsSync(dir)).to.equal(false);
  });

  it('streams a message over the limit to a file, the bytes already read first', async () => {
    const spool = await Spool.fill(root, 'F/2', chunks(5, 4000), undefined, 10_000);
    expect(spool.message).to.be.instanceOf(FileContent);
    const bytes = await readFile((spool.message as FileContent).path);
    expect(bytes.length).to.equal(20_000);
    for (let i = 0; i < 5; i++) expect(bytes.subarray(i * 4000, (i + 1) * 4000).every((b) => b === i)).to.equal(true);
    expect(spool.scratchDir.startsWith(root)).to.equal(true);
    await spool.dispose();
    expect(existsSync(join(root, 'F_2'))).to.equal(false);
  });

  it('rejects with the stream error and leaves no folder', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(6000));
        this.destroy(new Error('connection reset'));
      },
    });
    const err = await Spool.fill(root, 'F3-1', failing, undefined, 1000).catch((e: unknown) => e as Error);
    expect((err as Error).message).to.equal('connection reset');
    expect(existsSync(join(root, 'F3-1'))).to.equal(false);
  });
});
