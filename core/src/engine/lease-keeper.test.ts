import { expect } from 'chai';
import { Writable } from 'node:stream';
import { LeaseLost, type Lease } from '../contracts/lease.js';
import type { Source } from '../contracts/source.js';
import { TransientError } from '../errors.js';
import { createLogger } from '../logging/logger.js';
import { LeaseKeeper, type LeaseState } from './lease-keeper.js';

describe('LeaseKeeper', () => {
  const logger = createLogger({ level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const TTL = 600;
  const grant = (): Lease => ({ id: 'lease-1', holder: 'test', expiresAt: new Date(Date.now() + TTL) });

  /** A source whose renewals behave as `renew` says; everything else is never called. */
  const source = (renew: Source['renewLease']): Source => ({ acquireLease: async () => grant(), renewLease: renew, releaseLease: async () => {} }) as unknown as Source;

  it('declares the lease lost before it runs out when a renewal hangs, and tells the renewal to stop', async () => {
    let renewalSignal: AbortSignal | undefined;
    const states: LeaseState[] = [];
    // The service neither answers nor fails: a hung connection, or a Retry-After longer than the lease.
    const keeper = new LeaseKeeper(source((_l, _t, signal) => {
      renewalSignal = signal;
      return new Promise(() => undefined);
    }), 'test', TTL, logger, (s) => states.push(s));
    await keeper.acquire(new AbortController().signal);
    await new Promise<void>((resolve) => keeper.lost.addEventListener('abort', () => resolve()));
    // Given up by the keeper's own deadline (ttl - ttl/6), not by a failure of the renewal: the reason says so.
    expect(keeper.lost.reason).to.be.instanceOf(LeaseLost);
    expect((keeper.lost.reason as Error).message).to.match(/ran out while it could not be renewed/);
    expect(renewalSignal?.aborted, 'the hung renewal is called off').to.equal(true);
    expect(keeper.current).to.equal(undefined);
    expect(states.map((s) => s.state)).to.deep.equal(['held', 'lost']);
    await keeper.release();
  });

  it('keeps the lease through transient renewal failures that end before it runs out', async () => {
    // A longer lifetime than the other tests: the retry must land before the deadline on a loaded machine too.
    const ttl = 3_000;
    let calls = 0;
    let renewedAgain!: () => void;
    const second = new Promise<void>((resolve) => (renewedAgain = resolve));
    const long = (): Lease => ({ id: 'lease-1', holder: 'test', expiresAt: new Date(Date.now() + ttl) });
    const renewing = source(async () => {
      if (++calls === 1) throw new TransientError('busy');
      renewedAgain();
      return long();
    });
    const keeper = new LeaseKeeper({ ...renewing, acquireLease: async () => long() }, 'test', ttl, logger);
    await keeper.acquire(new AbortController().signal);
    await second;
    expect(calls).to.equal(2);
    expect(keeper.lost.aborted).to.equal(false);
    expect(keeper.current).to.not.equal(undefined);
    await keeper.release();
  });

  it('stops the work under the lease when it is marked lost by a fenced request, or given back', async () => {
    const keeper = new LeaseKeeper(source(async () => grant()), 'test', 60_000, logger);
    await keeper.acquire(new AbortController().signal);
    const first = keeper.lost;
    keeper.markLost('refused: another connector holds the lease');
    expect(first.aborted).to.equal(true);
    expect(keeper.current).to.equal(undefined);

    await keeper.acquire(new AbortController().signal);
    const second = keeper.lost;
    expect(second.aborted).to.equal(false);
    await keeper.release();
    expect(second.aborted, 'work still running under a released lease stops').to.equal(true);
  });

  it('stops the work under a lost lease even when the observer that is told fails', async () => {
    const keeper = new LeaseKeeper(source(() => new Promise(() => undefined)), 'test', TTL, logger, (s) => {
      if (s.state === 'lost') throw new Error('the status store cannot be written');
    });
    await keeper.acquire(new AbortController().signal);
    const lost = keeper.lost;
    await new Promise<void>((resolve) => lost.addEventListener('abort', () => resolve()));
    expect(lost.reason).to.be.instanceOf(LeaseLost);
    await keeper.release();
  });

  it('gives back a lease the service granted while the keeper was asked to stop', async () => {
    const released: string[] = [];
    let granted: Lease | undefined;
    const stop = new AbortController();
    // The service grants the request; its answer arrives after the stop, as when a connector quits mid-request.
    const keeper = new LeaseKeeper({
      acquireLease: async () => {
        granted = grant();
        stop.abort(new Error('quitting'));
        await new Promise((r) => setTimeout(r, 50));
        return granted;
      },
      releaseLease: async (lease: Lease) => void released.push(lease.id),
    } as unknown as Source, 'test', 60_000, logger);
    const err = await keeper.acquire(stop.signal).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal('quitting');
    expect(released).to.deep.equal([granted!.id]);
    expect(keeper.current).to.equal(undefined);
  });

  it('renews a lease the service grants for less than asked in time, counting from what it granted', async () => {
    // A sixth of what is asked for: counted from the asked-for 18 s, the margin (3 s) would eat the whole grant.
    const granted = 3_000;
    const short = (): Lease => ({ id: 'lease-1', holder: 'test', expiresAt: new Date(Date.now() + granted) });
    let renewals = 0;
    let renewedTwice!: () => void;
    const twice = new Promise<void>((resolve) => (renewedTwice = resolve));
    const renewing = source(async () => {
      if (++renewals === 2) renewedTwice();
      return short();
    });
    const keeper = new LeaseKeeper({ ...renewing, acquireLease: async () => short() }, 'test', 18_000, logger);
    await keeper.acquire(new AbortController().signal);
    try {
      await twice;
      expect(() => keeper.assertHeld()).not.to.throw();
      expect(keeper.lost.aborted).to.equal(false);
    } finally {
      await keeper.release();
    }
  });

  it('takes the lease as lost when the wall clock has passed it, as after the machine slept', async () => {
    // Granted for the full minute.
    const long = (): Lease => ({ id: 'lease-1', holder: 'test', expiresAt: new Date(Date.now() + 60_000) });
    const sleeping = new LeaseKeeper({ ...source(async () => long()), acquireLease: async () => long() }, 'test', 60_000, logger);
    await sleeping.acquire(new AbortController().signal);
    const realNow = Date.now;
    try {
      expect(() => sleeping.assertHeld()).not.to.throw();
      // The monotonic clock stood still during the sleep; only the wall clock moved on, by two minutes.
      Date.now = () => realNow() + 120_000;
      expect(() => sleeping.assertHeld()).to.throw(LeaseLost);
      Date.now = realNow;
      expect(sleeping.lost.aborted).to.equal(true);
      expect(sleeping.current).to.equal(undefined);
    } finally {
      Date.now = realNow;
      await sleeping.release();
    }
  });
});
