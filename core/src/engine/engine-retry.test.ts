import { expect } from 'chai';
import type { Filing } from '../contracts/filing.js';
import type { Source } from '../contracts/source.js';
import { LeaseLost } from '../contracts/lease.js';
import type { Engine } from './engine.js';
import { memorySinks, memorySource, testEngine, useTempStore } from './engine.test.util.js';

describe('Engine: default format, target checks and a user\'s retry', () => {
  const t = useTempStore('fs-engine-retry-');

  const engine = (source: Source, sinks: ReturnType<typeof memorySinks>, defaultFormat?: string, filingConcurrency = 2): Engine =>
    testEngine({ ...t, source, sinks, filingConcurrency, ...(defaultFormat ? { defaultFormat } : {}) });

  const filing = (id: string, format: string): Filing => ({
    id, tenant: 't1', filedAt: '2026-11-28T15:00:00Z', message: { subject: 'Crane booking' },
    location: { id: 'L1', name: 'Harbour', format, targets: ['mem:/folder'] },
  });

  it('writes a location that names no format in the configured default format', async () => {
    const sinks = memorySinks();
    await engine(memorySource([filing('F1', ''), filing('F2', 'eml')]), sinks, 'msg').run({ once: true });
    expect([...sinks.files.keys()].sort()).to.deep.equal(['20261128T144613Z Crane booking.eml', '20261128T144613Z Crane booking.msg']);
  });

  it('writes a skipped target again on retry, after the cause is gone, and reports the new outcome', async () => {
    const sinks = memorySinks();
    sinks.access.value = 'denied';
    const source = memorySource([filing('F1', 'eml')]);
    const e = engine(source, sinks);
    // Without the lease a retry is refused rather than written behind another connector's back.
    await e.retryFiling(filing('F1', 'eml')).then(() => expect.fail('retried without the lease'), (err: unknown) => expect(err).to.be.instanceOf(LeaseLost));
    const running = e.run();
    for (let i = 0; i < 100 && source.reports.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(source.reports.map((r) => r.outcomes[0]!.outcome)).to.deep.equal(['skipped']);

    sinks.access.value = 'writable';
    expect(t.store.resetTarget('F1', 'mem:/folder')).to.equal(true);
    // The engine checked the target a moment ago ("denied", kept for a minute): the retry checks again.
    expect(await e.retryFiling(filing('F1', 'eml'))).to.equal(true);
    e.stop();
    await running;
    expect([...sinks.files.keys()]).to.deep.equal(['20261128T144613Z Crane booking.eml']);
    expect(source.reports.map((r) => r.outcomes[0]!.outcome)).to.deep.equal(['skipped', 'created']);
    expect(t.store.targets('F1')[0]!.outcome).to.equal('created');
  });

  it("puts back at start a user's retry that the last run did not live to finish", async () => {
    const f = filing('F1', 'eml');
    t.store.beginFiling(f);
    t.store.recordOutcome('F1', { target: 'mem:/folder', outcome: 'skipped', reason: 'No permission.' });
    t.store.markReported('F1');
    // The retry was asked for; the process ended before it wrote anything.
    t.store.resetTarget('F1', 'mem:/folder');
    // The service has the filing's outcomes: it does not deliver it again.
    await engine(memorySource([]), memorySinks()).run({ once: true });
    expect(t.store.targets('F1')[0]).to.include({ outcome: 'skipped' });
    expect(t.store.targets('F1')[0]!.reason).to.match(/^The retry did not finish/);
  });

  it('checks a target once for filings that start on it together, and again after a check that failed', async () => {
    const sinks = memorySinks();
    const many = Array.from({ length: 8 }, (_, i) => filing(`F${i}`, 'eml'));
    const all = memorySource(many);
    await engine(all, sinks, undefined, 8).run({ once: true });
    expect(all.reports).to.have.length(8);
    expect(sinks.checks.count, 'eight filings at once, one check').to.equal(1);

    const again = memorySinks();
    again.checks.fail = 1;
    const source = memorySource([filing('G0', 'eml'), filing('G1', 'eml')]);
    await engine(source, again, undefined, 1).run({ once: true });
    // The first filing's check failed (it stays pending); the second checks again rather than reuse the failure.
    expect(again.checks.count).to.equal(2);
    expect(source.reports.map((r) => r.id)).to.deep.equal(['G1']);
    expect(t.store.targets('G0')[0]!.outcome).to.equal(null);
  });
});
