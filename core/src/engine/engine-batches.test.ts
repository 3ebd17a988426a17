import { expect } from 'chai';
import type { Filing } from '../contracts/filing.js';
import { memorySinks, memorySource, testEngine, testFiling, useTempStore } from './engine.test.util.js';

const filing = (id: string) => testFiling(id, { subject: id });

/** A message whose subject is the filing's id, so the sink can tell filings apart by name. */
const raw = (f: Filing) => `From: Ana <ana@example.com>\r\nSubject: ${f.id}\r\nDate: Sat, 28 Nov 2026 14:46:13 +0000\r\n\r\nBody\r\n`;

describe('Engine: batches', () => {
  const t = useTempStore('fs-engine-batches-');

  it('starts the next batch in the slots a slow filing of the last one leaves free', async () => {
    const source = memorySource(Array.from({ length: 6 }, (_, i) => filing(`F${i}`)), raw);
    // F0 is written only once the second batch (F3 to F5) has been reported.
    const reported = () => source.reports.map((r) => r.id);
    const sinks = memorySinks(async (name) => {
      if (!name.includes('F0')) return;
      // Bounded well above any machine's pace, below the test's time-out: an engine that waits for F0 then reports
      // F0 first, and the order check below fails it.
      for (const end = Date.now() + 15_000; Date.now() < end && !['F3', 'F4', 'F5'].every((id) => reported().includes(id)); ) {
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    // Idle only once F0, the last to finish, has been reported (an empty poll comes while it is still written).
    const idleAfter: string[][] = [];
    const engine = testEngine({ ...t, source, sinks, filingConcurrency: 2, batchSize: 3, observer: { idle: () => idleAfter.push(reported()) } });
    const summary = await engine.run({ once: true });
    expect(summary.reported).to.equal(6);
    expect(idleAfter[0]).to.have.length(6);
    expect(reported().indexOf('F5'), 'the second batch did not wait for F0').to.be.lessThan(reported().indexOf('F0'));
  }).timeout(20_000);

  it('leaves the filings of a batch that have not started when asked to stop', async () => {
    const source = memorySource(Array.from({ length: 5 }, (_, i) => filing(`F${i}`)), raw);
    let engine: ReturnType<typeof testEngine> | undefined;
    // The stop comes while the first filing is written; one at a time, nothing else has started.
    const sinks = memorySinks(async (name) => {
      if (name.includes('F0')) engine!.stop();
    });
    engine = testEngine({ ...t, source, sinks, filingConcurrency: 1, batchSize: 5 });
    const summary = await engine.run();
    expect(source.reports.map((r) => r.id)).to.deep.equal(['F0']);
    expect(summary).to.include({ filings: 1, reported: 1 });
    expect([...sinks.files.keys()]).to.deep.equal(['20261128T144613Z F0.eml']);
  });

  it('runs fewer filings at once when their messages would take more memory than the budget', async () => {
    const sized = (id: string): Filing => ({ ...filing(id), message: { subject: id, size: Buffer.byteLength(raw(filing(id))) } });
    const filings = Array.from({ length: 6 }, (_, i) => sized(`F${i}`));
    let writing = 0;
    let most = 0;
    const sinks = memorySinks(async () => {
      most = Math.max(most, ++writing);
      await new Promise((r) => setTimeout(r, 20));
      writing--;
    });
    // Six slots, but memory for two of these messages.
    const engine = testEngine({ ...t, source: memorySource(filings, raw), sinks, filingConcurrency: 6, spoolBudgetBytes: 2 * filings[0]!.message.size! });
    const summary = await engine.run({ once: true });
    expect(summary.reported).to.equal(6);
    expect(most).to.equal(2);
  });

  it('does not write a filing again that the service hands out while it is still being written', async () => {
    // The reservation lapsed during a slow write: the next claim brings the same filing back.
    const source = memorySource([filing('F0'), filing('F0')], raw);
    const sinks = memorySinks(() => new Promise((r) => setTimeout(r, 300)));
    const engine = testEngine({ ...t, source, sinks, filingConcurrency: 2, batchSize: 1 });
    const running = engine.run();
    for (let waited = 0; waited < 3000 && source.reports.length === 0; waited += 10) await new Promise((r) => setTimeout(r, 10));
    // Room for a second writer of F0 to finish too.
    await new Promise((r) => setTimeout(r, 400));
    engine.stop();
    await running;
    expect([...sinks.files.keys()]).to.deep.equal(['20261128T144613Z F0.eml']);
    expect(source.reports.map((r) => r.id)).to.deep.equal(['F0']);
  });
});
