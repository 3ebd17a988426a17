import { expect } from 'chai';
import { LeaseLost } from '../contracts/lease.js';
import { TransientError } from '../errors.js';
import type { LeaseState } from './lease-keeper.js';
import { memorySinks, memorySource, testEngine, testFiling, useTempStore } from './engine.test.util.js';

describe('Engine: writing only under the lease', () => {
  const t = useTempStore('fs-engine-lease-');

  const filing = (id: string) => testFiling(id);

  it("files under a lease whose expiry this machine's clock already sees as past (a clock far ahead), taking it once", async () => {
    const sinks = memorySinks();
    const memory = memorySource([filing('F1'), filing('F2')]);
    // The service's clock is 90 s behind this machine's: every 60 s grant ends 30 s "ago" here.
    const behind = () => ({ id: 'lease-1', holder: 'test', expiresAt: new Date(Date.now() - 90_000 + 60_000) });
    let acquired = 0;
    const source = { ...memory, acquireLease: async () => (acquired++, behind()), renewLease: async () => behind() };
    const states: string[] = [];
    const engine = testEngine({ ...t, source, sinks, observer: { lease: (s: LeaseState) => states.push(s.state) } });
    const guard = setTimeout(() => engine.stop(), 5_000);
    try {
      await engine.run({ once: true });
    } finally {
      clearTimeout(guard);
    }
    expect(memory.reports.map((r) => `${r.id} ${r.outcomes[0]!.outcome}`).sort()).to.deep.equal(['F1 created', 'F2 created']);
    expect(sinks.files.size).to.be.greaterThan(0);
    expect(acquired).to.equal(1);
    expect(states).to.deep.equal(['held', 'released']);
  });

  it('gives up a --once run when the filing service cannot be reached for the lease, rather than wait for ever', async () => {
    const memory = memorySource([filing('F1')]);
    let asked = 0;
    const source = { ...memory, acquireLease: async () => { asked++; throw new TransientError('connect ECONNREFUSED 127.0.0.1:1'); } };
    const engine = testEngine({ ...t, source, sinks: memorySinks(), leaseTtlMs: 300, maxAttempts: 3 });
    const guard = setTimeout(() => engine.stop(), 10_000);
    try {
      const err = await engine.run({ once: true }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(TransientError);
      expect(asked).to.equal(3);
    } finally {
      clearTimeout(guard);
    }
  });

  it('waits a moment before taking the lease again after losing it, rather than grant after grant', async () => {
    const memory = memorySource([filing('F1')]);
    // Every renewal is refused: the lease is lost a third of its lifetime after each grant.
    const source = { ...memory, renewLease: async () => { throw new LeaseLost('refused'); } };
    const events: { state: string; at: number }[] = [];
    let thirdGrant!: () => void;
    const granted3 = new Promise<void>((r) => (thirdGrant = r));
    const observer = {
      lease: (s: LeaseState) => {
        events.push({ state: s.state, at: performance.now() });
        if (events.filter((e) => e.state === 'held').length === 3) thirdGrant();
      },
    };
    const engine = testEngine({ ...t, source, sinks: memorySinks(), leaseTtlMs: 150, observer });
    const running = engine.run();
    await granted3;
    engine.stop();
    await running;
    // Each grant after a loss comes at least the pause (the test engine's poll interval, 50 ms) after it.
    const gaps: number[] = [];
    events.forEach((e, i) => {
      if (e.state !== 'held' || i === 0) return;
      const lost = events.slice(0, i).reverse().find((x) => x.state === 'lost');
      if (lost) gaps.push(e.at - lost.at);
    });
    expect(gaps).to.have.length.of.at.least(2);
    for (const gap of gaps) expect(gap).to.be.at.least(45);
  });

  it("keeps the lease until a user's retry has been written and reported, even when asked to stop", async () => {
    let writeMs = 0;
    const sinks = memorySinks(() => new Promise((r) => setTimeout(r, writeMs)));
    sinks.access.value = 'denied';
    const memory = memorySource([filing('F1')]);
    const events: string[] = [];
    const source = {
      ...memory,
      releaseLease: async () => void events.push('lease released'),
      report: async (...args: Parameters<typeof memory.report>) => {
        events.push('reported');
        return memory.report(...args);
      },
    };
    // The stop's deadline is not what this is about: a slow disk must not cut the retry short.
    const engine = testEngine({ ...t, source, sinks, stopDeadlineMs: 60_000 });
    const running = engine.run();
    for (let i = 0; i < 100 && memory.reports.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(memory.reports.map((r) => r.outcomes[0]!.outcome)).to.deep.equal(['skipped']);

    // The user fixes the permission and retries; the write is slow, and the connector is stopped meanwhile.
    sinks.access.value = 'writable';
    t.store.resetTarget('F1', 'mem:/folder');
    writeMs = 300;
    const retried = engine.retryFiling(filing('F1'));
    engine.stop();
    await running;
    expect(await retried).to.equal(true);
    expect(events).to.deep.equal(['reported', 'reported', 'lease released']);
    expect(memory.reports.map((r) => r.outcomes[0]!.outcome)).to.deep.equal(['skipped', 'created']);
  });

  it('stops writing and takes the lease again when the service refuses a report for the lease', async () => {
    const memory = memorySource([filing('F1'), filing('F2')]);
    let acquired = 0;
    let refused = 0;
    const states: LeaseState['state'][] = [];
    const source = {
      ...memory,
      acquireLease: async (...args: Parameters<typeof memory.acquireLease>) => {
        acquired++;
        return memory.acquireLease(...args);
      },
      report: async (...args: Parameters<typeof memory.report>) => {
        // Another connector took over: the service fences the first report.
        if (refused++ === 0) throw new LeaseLost('The filing service refused the report: the lease is held by another connector.');
        return memory.report(...args);
      },
    };
    const engine = testEngine({ ...t, source, sinks: memorySinks(), filingConcurrency: 1, observer: { lease: (s) => states.push(s.state) } });
    await engine.run({ once: true });
    expect(states.slice(0, 2)).to.deep.equal(['held', 'lost']);
    expect(acquired, 'taken again after it was lost').to.equal(2);
    // F2 was not started under the lost lease (one at a time); it is written under the new one.
    expect(memory.reports.map((r) => r.id)).to.deep.equal([]);
  });

  it('places no file once the lease is past its renewal deadline, even when this thread was held up and no timer has fired', async () => {
    const memory = memorySource([filing('F1')]);
    const sinks = memorySinks();
    let holdUp = true;
    const factory = {
      ...sinks.factory,
      create: async (...args: Parameters<typeof sinks.factory.create>) => {
        const sink = await sinks.factory.create(...args);
        return {
          ...sink,
          check: async (signal?: AbortSignal) => {
            const access = await sink.check(signal);
            if (holdUp) {
              holdUp = false;
              // The whole thread stops past the renewal deadline (1 s after the grant with a 1.2 s lifetime):
              // the renewal's timers cannot run before the work queued behind this.
              for (const end = performance.now() + 1_100; performance.now() < end; );
            }
            return access;
          },
        };
      },
    };
    const states: LeaseState['state'][] = [];
    const engine = testEngine({ ...t, source: memory, sinks: { ...sinks, factory }, leaseTtlMs: 1_200, observer: { lease: (s) => states.push(s.state) } });
    const running = engine.run();
    for (let i = 0; i < 200 && !states.includes('lost'); i++) await new Promise((r) => setTimeout(r, 10));
    engine.stop();
    await running;
    expect(states.slice(0, 2)).to.deep.equal(['held', 'lost']);
    expect([...sinks.files.keys()]).to.deep.equal([]);
    expect(memory.reports).to.deep.equal([]);
    // Still pending (no outcome), with the reason.
    const [record] = t.store.targets('F1');
    expect(record!.outcome).to.equal(null);
    expect(record!.lastError).to.match(/held up past its renewal deadline/);
  });
});
