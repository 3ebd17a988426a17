import { expect } from 'chai';
import type { Filing } from '../contracts/filing.js';
import type { Formatter } from '../contracts/formatter.js';
import { BufferContent } from '../content/buffer-content.js';
import { PermanentError } from '../errors.js';
import { formatter, memorySinks, memorySource, testEngine, useTempStore } from './engine.test.util.js';

describe('Engine: a conversion that fails', () => {
  const t = useTempStore('fs-engine-render-');

  const filing: Filing = {
    id: 'F1', tenant: 't1', filedAt: '2026-11-28T15:00:00Z', message: { subject: 'Crane booking' },
    location: { id: 'L1', name: 'Harbour', format: 'msg', targets: ['mem:/folder'] },
  };

  /** A `msg` formatter that rejects with `failures[i]` on its i-th call, and renders once they are used up. */
  const failing = (...failures: Error[]): Formatter & { calls: number } => {
    const f = {
      ...formatter('msg'),
      calls: 0,
      render: async () => {
        const failure = failures[f.calls++];
        if (failure) throw failure;
        return new BufferContent(Buffer.from('converted'));
      },
    };
    return f;
  };

  const diskFull = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

  it('for lack of disk space is rendered again, not filed as .eml: the next attempt writes the .msg', async () => {
    const sinks = memorySinks();
    const source = memorySource([filing]);
    const msg = failing(diskFull());
    await testEngine({ ...t, source, sinks, formatters: [formatter('eml'), msg], maxAttempts: 2 }).run({ once: true });
    expect(msg.calls).to.equal(2);
    expect([...sinks.files.keys()]).to.deep.equal(['20261128T144613Z Crane booking.msg']);
    expect(sinks.files.get('20261128T144613Z Crane booking.msg')!.toString()).to.equal('converted');
    expect(source.reports.map((r) => r.outcomes[0]!.outcome)).to.deep.equal(['created']);
  });

  it('for lack of disk space on every attempt leaves the target pending, with nothing written or reported', async () => {
    const sinks = memorySinks();
    const source = memorySource([filing]);
    await testEngine({ ...t, source, sinks, formatters: [formatter('eml'), failing(diskFull(), diskFull())], maxAttempts: 2 }).run({ once: true });
    expect(sinks.files.size).to.equal(0);
    expect(source.reports).to.deep.equal([]);
    const [row] = t.store.targets('F1');
    expect(row!.outcome).to.equal(null);
    expect(row!.lastError).to.match(/could not be converted to msg on this machine: ENOSPC/);

    // Space is back: the redelivery converts.
    const again = memorySource([filing]);
    await testEngine({ ...t, source: again, sinks, formatters: [formatter('eml'), failing()] }).run({ once: true });
    expect([...sinks.files.keys()]).to.deep.equal(['20261128T144613Z Crane booking.msg']);
    expect(again.reports.map((r) => r.outcomes[0]!.outcome)).to.deep.equal(['created']);
  });

  it('because of the message files the original as .eml, degraded, with the reason', async () => {
    const sinks = memorySinks();
    const source = memorySource([filing]);
    await testEngine({ ...t, source, sinks, formatters: [formatter('eml'), failing(new PermanentError('no MIME structure'))] }).run({ once: true });
    expect([...sinks.files.keys()]).to.deep.equal(['20261128T144613Z Crane booking.eml']);
    expect(source.reports[0]!.outcomes[0]).to.include({ outcome: 'degraded', format: 'eml' });
    expect(source.reports[0]!.outcomes[0]!.reason).to.match(/Could not convert to msg: no MIME structure/);
  });
});
