import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import type { Filing } from '../contracts/filing.js';
import { StateStore } from './state-store.js';

const filing = (id: string, targets = ['/a', '/b']): Filing => ({
  id,
  tenant: 't1',
  location: { id: 'L1', name: 'Surrey Court', format: 'eml', targets },
  filedAt: '2026-11-28T14:46:13Z',
  message: { subject: 'Site visit' },
});

describe('StateStore', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'state-store-'));

  it('keeps outcomes across reopen, first outcome wins, redeliveries counted', () => {
    const d = dir();
    let store = StateStore.open(d);
    expect(store.beginFiling(filing('F1'))).to.deep.equal({ deliveries: 1, reported: false });
    store.recordOutcome('F1', { target: '/a', outcome: 'created', path: '/a/x.eml', bytes: 10, hash: { kind: 'sha256', value: 'ab' } });
    expect(store.recordFailure('F1', '/b', 'busy')).to.equal(1);
    store.close();
    store = StateStore.open(d);
    expect(store.beginFiling(filing('F1'))).to.deep.equal({ deliveries: 2, reported: false });
    store.recordOutcome('F1', { target: '/a', outcome: 'renamed', path: '/a/y.eml' });
    const [a, b] = store.targets('F1');
    expect(a).to.include({ outcome: 'created', path: '/a/x.eml', bytes: 10, hashKind: 'sha256', hash: 'ab' });
    expect(b).to.include({ outcome: null, attempts: 1, lastError: 'busy' });
    store.markReported('F1');
    expect(store.beginFiling(filing('F1')).reported).to.equal(true);
    expect(store.summary()).to.deep.include({ filings: 1, unreported: 0 });
    expect(store.summary().byOutcome).to.include({ created: 1, pending: 1 });
    store.close();
  });

  it('puts a skipped target back to pending on reset and marks the filing unreported', () => {
    const store = StateStore.open(dir());
    store.beginFiling(filing('F2'));
    store.recordOutcome('F2', { target: '/a', outcome: 'skipped', reason: 'no permission' });
    store.markReported('F2');
    expect(store.resetTarget('F2', '/a')).to.equal(true);
    expect(store.targets('F2')[0]!.outcome).to.equal(null);
    expect(store.summary().unreported).to.equal(1);
    expect(store.resetTarget('F2', '/b')).to.equal(false);
    store.close();
  });

  it('lists recent problems newest first, filtered by outcome', () => {
    const store = StateStore.open(dir());
    store.beginFiling(filing('F3'));
    store.recordOutcome('F3', { target: '/a', outcome: 'failed', reason: 'too long' }, new Date('2026-01-01'));
    store.recordOutcome('F3', { target: '/b', outcome: 'created' }, new Date('2026-01-02'));
    expect(store.recent(10, ['failed']).map((r) => r.target)).to.deep.equal(['/a']);
    expect(store.recent(10).map((r) => r.target)).to.deep.equal(['/b', '/a']);
    expect(store.recent(10)[0]).to.include({ locationName: 'Surrey Court', subject: 'Site visit' });
    store.close();
  });

  it('refuses a second process on the same store and names its pid', async () => {
    const d = dir();
    const store = StateStore.open(d);
    const script = join(d, 'open-store.mjs');
    writeFileSync(script, `import { StateStore } from '${new URL('./state-store.js', import.meta.url).href}';
      try { StateStore.open(process.argv[2]); process.send('opened'); } catch (e) { process.send(e.name + ': ' + e.message); }`);
    const child = fork(script, [d]);
    const answer = await new Promise<string>((res) => child.once('message', (m) => res(String(m))));
    child.kill();
    expect(answer).to.match(/^ConfigError: [\s\S]*in use by pid \d+/);
    expect(answer).to.include(String(process.pid));
    store.close();
    // Released on close: another open works.
    StateStore.open(d).close();
    expect(() => StateStore.open(d, { readOnly: true }).close()).not.to.throw();
  });
});
