import { expect } from 'chai';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  it('flushes the items added in one turn together, once', async () => {
    const flushes: number[][] = [];
    const group = new GroupCommit<number>((items) => {
      flushes.push(items);
    });
    await Promise.all([group.add(1), group.add(2), group.add(3)]);
    expect(flushes).to.deep.equal([[1, 2, 3]]);
  });

  it('gathers what arrives during a flush into the next one, started only after it', async () => {
    const flushes: number[][] = [];
    let running = 0;
    let overlapped = false;
    let firstStarted!: () => void;
    const started = new Promise<void>((r) => (firstStarted = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const group = new GroupCommit<number>(async (items) => {
      running++;
      overlapped ||= running > 1;
      flushes.push(items);
      firstStarted();
      await gate;
      running--;
    });
    const first = group.add(1);
    await started; // the first flush is running now, held at the gate
    const later = [group.add(2), group.add(3), group.add(4)];
    await new Promise((r) => setImmediate(r));
    expect(flushes).to.deep.equal([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(flushes).to.deep.equal([[1], [2, 3, 4]]);
    expect(overlapped).to.equal(false);
  });

  it('resolves and rejects each item by its own result', async () => {
    const group = new GroupCommit<number, string>((items) =>
      items.map((n) => (n % 2 === 0 ? { ok: true as const, value: `even ${n}` } : { ok: false as const, error: new Error(`odd ${n}`) })),
    );
    const results = await Promise.allSettled([group.add(1), group.add(2)]);
    expect(results[0]).to.have.property('status', 'rejected');
    expect((results[0] as PromiseRejectedResult).reason.message).to.equal('odd 1');
    expect(results[1]).to.deep.equal({ status: 'fulfilled', value: 'even 2' });
  });

  it('rejects every item of a failed flush, and the next flush still runs', async () => {
    let fail = true;
    const group = new GroupCommit<number>(() => {
      if (fail) throw new Error('disk I/O error');
    });
    const failed = await Promise.allSettled([group.add(1), group.add(2)]);
    expect(failed.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    fail = false;
    await group.add(3);
  });

  it('never flushes more than maxBatch items at once', async () => {
    const sizes: number[] = [];
    const group = new GroupCommit<number>((items) => {
      sizes.push(items.length);
    }, { maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => group.add(n)));
    expect(sizes).to.deep.equal([2, 2, 1]);
  });
});
