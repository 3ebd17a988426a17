import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
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
    expect(await readdir(root)).to.deep.equal([]);
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
    expect(await readdir(root)).to.deep.equal([]);
  });

  it('gives keys that differ only in characters a folder name cannot hold folders of their own', async () => {
    // Filing ids are the service's free strings: these two would both be "2026_11_28_1" made safe.
    const a = await Spool.fill(root, '2026/11/28#1', Readable.from([Buffer.from('Alpha')]), undefined, 0);
    const b = await Spool.fill(root, '2026:11:28?1', Readable.from([Buffer.from('Bravo')]), undefined, 0);
    expect((await a.message.bytes()).toString()).to.equal('Alpha');
    expect((await b.message.bytes()).toString()).to.equal('Bravo');
    expect((await readdir(root)).sort()).to.have.length(2).and.to.satisfy((names: string[]) => names.every((n) => n.startsWith('2026_11_28_1-')));
    await a.dispose();
    expect((await b.message.bytes()).toString(), 'removing one leaves the other').to.equal('Bravo');
    await b.dispose();
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
    expect(await readdir(root)).to.deep.equal([]);
  });

  it('keeps what was reserved for a message, gives back what it does not use, and takes more when it is larger', async () => {
    const budget = new MemoryBudget(10_000);
    expect(await budget.take(5000)).to.equal(5000);
    const small = await Spool.fill(root, 'F8-1', chunks(2, 1000), undefined, 10_000, budget, 5000);
    expect(budget.inUse, 'the 3000 bytes it did not need came back').to.equal(2000);
    expect(await budget.take(1000)).to.equal(1000);
    const large = await Spool.fill(root, 'F9-1', chunks(3, 1000), undefined, 10_000, budget, 1000);
    expect(large.message).to.be.instanceOf(BufferContent);
    expect(budget.inUse).to.equal(5000);
    await Promise.all([small.dispose(), large.dispose()]);
    expect(budget.inUse).to.equal(0);
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
  it('lets waiters in first come first served as bytes come back, and drops a waiter whose signal fires', async () => {
    const budget = new MemoryBudget(10);
    const tick = () => new Promise((r) => setImmediate(r));
    expect(await budget.take(8)).to.equal(8);
    const order: string[] = [];
    const a = budget.take(5).then(() => order.push('a'));
    // A caller that does not wait does not jump the queue either.
    expect(budget.tryTake(1)).to.equal(false);
    budget.give(3);
    await tick();
    expect(order).to.deep.equal(['a']);
    const abort = new AbortController();
    const b = budget.take(6, abort.signal).then(
      () => order.push('b'),
      (err: Error) => order.push(`b: ${err.message}`),
    );
    const c = budget.take(2).then(() => order.push('c'));
    budget.give(5);
    await tick();
    // 5 free: b does not fit, and c, which would, waits behind it.
    expect(order).to.deep.equal(['a']);
    abort.abort(new Error('stopped'));
    await Promise.all([a, b, c]);
    expect(order).to.deep.equal(['a', 'b: stopped', 'c']);
    expect(budget.inUse).to.equal(7);
    // More than the whole budget is clipped to it, so that a large item still runs, alone.
    budget.give(7);
    expect(await budget.take(50)).to.equal(10);
  });

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
