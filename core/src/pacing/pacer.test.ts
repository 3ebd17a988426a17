import { expect } from 'chai';
import { Pacer } from './pacer.js';

describe('Pacer', () => {
  it('runs calls in the order they were asked for and passes their results through', async () => {
    const pacer = new Pacer({ callsPerSecond: 50 });
    const order: number[] = [];
    const results = await Promise.all([1, 2, 3].map((n) => pacer.run(async () => (order.push(n), n * 10))));
    expect(order).to.deep.equal([1, 2, 3]);
    expect(results).to.deep.equal([10, 20, 30]);
  });

  it('passes a rejection through', async () => {
    const pacer = new Pacer({ callsPerSecond: 50 });
    const err = await pacer.run(async () => { throw new Error('boom'); }).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('boom');
  });

  it('starts nothing while held, then resumes', async () => {
    const pacer = new Pacer({ callsPerSecond: 100 });
    pacer.holdFor(60_000);
    let ran = false;
    const pending = pacer.run(async () => { ran = true; });
    await new Promise((r) => setTimeout(r, 30));
    expect(ran).to.equal(false);
    expect(pacer.waiting).to.equal(1);
    pacer.dispose();
    await pending;
    expect(ran).to.equal(true);
  });

  it('refuses a waiting call whose signal fires', async () => {
    const pacer = new Pacer({ callsPerSecond: 1 });
    pacer.holdFor(60_000);
    const ac = new AbortController();
    const pending = pacer.run(async () => 'ran', ac.signal);
    ac.abort();
    const err = await pending.catch((e: unknown) => e);
    expect((err as Error).name).to.equal('AbortError');
    pacer.dispose();
  });

  it('rejects nonsense options, naming them', () => {
    expect(() => new Pacer({ callsPerSecond: 0 })).to.throw(RangeError, /callsPerSecond/);
    expect(() => new Pacer({ concurrency: 1.5 })).to.throw(RangeError, /concurrency/);
  });
});
