import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BufferContent } from '../content/buffer-content.js';
import { FileContent } from '../content/file-content.js';
import { MemoryBudget } from '../pacing/memory-budget.js';
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

  it('holds messages in memory only while the shared budget lasts, and gives it back on dispose', async () => {
    const budget = new MemoryBudget(5000);
    const first = await Spool.fill(root, 'F4-1', chunks(3, 1000), undefined, 10_000, budget);
    expect(first.message).to.be.instanceOf(BufferContent);
    expect(budget.inUse).to.equal(3000);
    // Within its own limit, but the budget has only 2000 bytes left: this one goes to disk, holding nothing.
    const second = await Spool.fill(root, 'F5-1', chunks(3, 1000), undefined, 10_000, budget);
    expect(second.message).to.be.instanceOf(FileContent);
    expect((await readFile((second.message as FileContent).path)).length).to.equal(3000);
    expect(budget.inUse).to.equal(3000);
    await first.dispose();
    await first.dispose();
    expect(budget.inUse).to.equal(0);
    const third = await Spool.fill(root, 'F6-1', chunks(3, 1000), undefined, 10_000, budget);
    expect(third.message).to.be.instanceOf(BufferContent);
    // A failed read gives back what it took.
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000));
        this.destroy(new Error('connection reset'));
      },
    });
    await Spool.fill(root, 'F7-1', failing, undefined, 10_000, budget).catch(() => undefined);
    expect(budget.inUse).to.equal(3000);
    await Promise.all([second.dispose(), third.dispose()]);
    expect(budget.inUse).to.equal(0);
  });
});

describe('MemoryBudget', () => {
  it('gives what fits, refuses the rest, and refuses to take back more than it gave', () => {
    const budget = new MemoryBudget(10);
    expect(budget.tryTake(6)).to.equal(true);
    expect(budget.tryTake(5)).to.equal(false);
    expect(budget.tryTake(4)).to.equal(true);
    expect(budget.inUse).to.equal(10);
    budget.give(10);
    expect(() => budget.give(1)).to.throw(RangeError, /1 bytes given back, only 0 taken/);
    expect(() => new MemoryBudget(-1)).to.throw(RangeError, /MemoryBudget limit: expected a whole number of bytes >= 0, found -1/);
  });
});
