import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { createLogger, type Filing, type TargetOutcome } from '@filing-sync/core';
import { DrainProgress } from './drain-progress.js';

const filing = (id: string) => ({ id }) as unknown as Filing;
const created = (target: string): TargetOutcome => ({ target, outcome: 'created' });

/** A logger writing JSON lines into `lines`. */
function capture(lines: Record<string, unknown>[]) {
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => {
    for (const l of c.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  return createLogger({ level: 'info', destination: sink });
}

describe('drain progress', () => {
  it('without a terminal: a summary line in the log when something changed, and a last one at the end', async () => {
    const lines: Record<string, unknown>[] = [];
    const progress = new DrainProgress({ logger: capture(lines), intervalMs: 3_600_000 });
    progress.start();
    const o = progress.observer();
    o.polled!(3);
    o.outcome!(filing('a'), created('t1'), 5);
    o.reported!(filing('a'));
    o.outcome!(filing('b'), { target: 't1', outcome: 'skipped', reason: 'denied' }, 5);
    o.reported!(filing('b'));
    progress.logSummary();
    progress.logSummary(); // nothing changed: no second line
    o.pending!(filing('c'), 't1', new (class extends Error {})() as never);
    progress.stop();
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => l['msg'])).to.deep.equal(['progress: 2 of 3 filing(s) reported, 0 pending', 'progress: 2 of 3 filing(s) reported, 1 pending']);
    expect(lines[1]).to.include({ received: 3, reported: 2, pending: 1 });
    expect(lines[1]!['outcomes']).to.include({ created: 1, skipped: 1 });
  });

  it('on a terminal: a bar of filings done out of those received so far, with the outcomes', () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 200, cursorTo: () => true, clearLine: () => true, moveCursor: () => true }) as unknown as NodeJS.WriteStream;
    let drawn = '';
    (tty as unknown as PassThrough).on('data', (c: Buffer) => (drawn += c.toString('utf8')));
    const lines: Record<string, unknown>[] = [];
    const progress = new DrainProgress({ tty, logger: capture(lines), intervalMs: 10 });
    progress.start();
    const o = progress.observer();
    o.polled!(2);
    o.outcome!(filing('a'), created('t1'), 5);
    o.reported!(filing('a'));
    o.outcome!(filing('b'), created('t1'), 5);
    o.reported!(filing('b'));
    progress.stop();
    expect(drawn).to.match(/Filing \[.*\] 2\/2 filings \| 2 created, 0 identical, 0 renamed, 0 skipped, 0 failed \| 0 pending/);
    expect(lines).to.deep.equal([]);
  });
});
