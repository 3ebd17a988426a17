import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { untilAborted } from './until-aborted.js';

/** A promise settled from outside. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('untilAborted', () => {
  it('settles as the work does and takes its listener off the signal', async () => {
    const controller = new AbortController();
    const ok = deferred<number>();
    const waiting = untilAborted(ok.promise, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(1);
    ok.resolve(7);
    expect(await waiting).to.equal(7);
    const bad = deferred<number>();
    const failing = untilAborted(bad.promise, controller.signal);
    bad.reject(new Error('disk full'));
    await failing.then(() => expect.fail('resolved'), (err: Error) => expect(err.message).to.equal('disk full'));
    expect(getEventListeners(controller.signal, 'abort'), 'no listener left behind').to.have.length(0);
  });

  it('rejects with the reason as soon as the signal aborts and hands the late result to discard', async () => {
    const controller = new AbortController();
    const work = deferred<string>();
    const late: string[] = [];
    const waiting = untilAborted(work.promise, controller.signal, (v) => late.push(v));
    controller.abort(new Error('stopping'));
    await waiting.then(() => expect.fail('resolved'), (err: Error) => expect(err.message).to.equal('stopping'));
    expect(late, 'not before the work ends').to.deep.equal([]);
    work.resolve('scratch/message.msg');
    await sleep(0);
    expect(late).to.deep.equal(['scratch/message.msg']);
  });

  it('drops a late rejection instead of leaving it unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const controller = new AbortController();
      const work = deferred<void>();
      const waiting = untilAborted(work.promise, controller.signal);
      controller.abort(new Error('stopping'));
      await waiting.catch(() => {});
      work.reject(new Error('late failure'));
      await sleep(10);
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('rejects at once for a signal that has already aborted, and passes the work through without one', async () => {
    const work = deferred<number>();
    const err = await untilAborted(work.promise, AbortSignal.abort(new Error('too late'))).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal('too late');
    work.resolve(1);
    expect(await untilAborted(Promise.resolve(3), undefined)).to.equal(3);
  });
});
