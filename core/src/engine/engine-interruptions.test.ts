import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { memorySinks, memorySource, testEngine, testFiling, useTempStore } from './engine.test.util.js';

describe('Engine: work cut short stays pending, it is never failed', () => {
  const t = useTempStore('fs-engine-interrupt-');

  const filing = (id: string, targets = ['mem:/folder']) => testFiling(id, { subject: `Crane booking ${id}`, targets });
  const outcomeOf = (id: string) => t.store.targets(id).map((r) => r.outcome);

  it('leaves a filing the stop deadline cut off pending, and writes and reports it after the next start', async () => {
    // One write at a time, each taking 600 ms, and the stop comes as A's starts (both are claimed by then): B still
    // waits for the sink when the 300 ms deadline passes.
    let engine: ReturnType<typeof testEngine> | undefined;
    const sinks = memorySinks(() => {
      engine!.stop();
      return new Promise((r) => setTimeout(r, 600));
    });
    const source = memorySource([filing('A'), filing('B')]);
    engine = testEngine({ ...t, source, sinks, filingConcurrency: 2, perSink: 1, stopDeadlineMs: 300 });
    await engine.run();
    expect(outcomeOf('B'), 'B was interrupted, not failed').to.deep.equal([null]);
    expect(source.reports.map((r) => r.id), 'nothing is reported after the stop').to.deep.equal([]);

    // The service hands both out again.
    const again = memorySinks();
    const redelivered = memorySource([filing('A'), filing('B')]);
    await testEngine({ ...t, source: redelivered, sinks: again }).run({ once: true });
    expect(redelivered.reports.map((r) => [r.id, r.outcomes[0]!.outcome]).sort()).to.deep.equal([['A', 'created'], ['B', 'created']]);
    expect([...again.files.keys()], 'A was written before the stop and is not written again').to.deep.equal(['20261128T144613Z Crane booking.eml']);
  });

  it('keeps a filing pending when its message cannot be spooled on this machine, and files it once it can', async () => {
    // A file where the spool folder's parent should be: every folder under it fails (ENOTDIR), as a full disk would.
    const blocked = join(t.dir, 'not-a-folder');
    await writeFile(blocked, '');
    const sinks = memorySinks();
    const source = memorySource([filing('A')]);
    // No spool memory: the message goes to disk.
    await testEngine({ ...t, source, sinks, spoolBudgetBytes: 0, spoolDir: join(blocked, 'spool') }).run({ once: true });
    expect(outcomeOf('A')).to.deep.equal([null]);
    expect(t.store.targets('A')[0]!.lastError).to.match(/could not be spooled.*ENOTDIR/);
    expect(source.reports).to.deep.equal([]);

    const redelivered = memorySource([filing('A')]);
    await testEngine({ ...t, source: redelivered, sinks, spoolBudgetBytes: 0 }).run({ once: true });
    expect(redelivered.reports.map((r) => r.outcomes[0]!.outcome)).to.deep.equal(['created']);
  });

  it('does not turn an outcome the store could not record into a failure, and lets the other targets finish first', async () => {
    // Both targets are the same memory folder: the second write finds the name taken and goes to " (2)", slowly.
    let slowDoneAt = 0;
    const sinks = memorySinks(async (name) => {
      if (!name.includes('(2)')) return;
      await new Promise((r) => setTimeout(r, 300));
      slowDoneAt = Date.now();
    });
    const store = t.store;
    const record = store.recordOutcomes.bind(store);
    let failures = 1;
    store.recordOutcomes = (entries, now) => {
      if (failures-- > 0) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      record(entries, now);
    };
    const source = memorySource([filing('A', ['mem:/a', 'mem:/b'])]);
    const failed = await testEngine({ ...t, source, sinks }).run({ once: true }).then(() => undefined, (err: Error) => err);
    const settledAt = Date.now();
    // The store's own error ends the run: the connector cannot keep its promises without it.
    expect(failed?.message).to.equal('disk I/O error');
    expect(slowDoneAt, 'the slow target was written to the end before run() gave up').to.be.within(1, settledAt);
    const outcomes = t.store.targets('A').map((r) => [r.target, r.outcome]);
    expect(outcomes, 'the first target is not recorded as failed').to.deep.include.members([['mem:/a', null]]);
    expect(outcomes.flat()).to.not.include('failed');
    expect(source.reports).to.deep.equal([]);
  });
});
