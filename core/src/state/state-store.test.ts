import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import type { Filing } from '../contracts/filing.js';
import { ConfigError, StoreBusy, TransientError } from '../errors.js';
import { StateStore } from './state-store.js';
import { MIGRATIONS } from './migrations.js';
import { openError } from './store-open-error.js';

const filing = (id: string, targets = ['/a', '/b']): Filing => ({
  id,
  tenant: 't1',
  location: { id: 'L1', name: 'Surrey Court', format: 'eml', targets },
  filedAt: '2026-11-28T14:46:13Z',
  message: { subject: 'Site visit' },
});

/** The ConfigError that opening the store at `dir` fails with (fails the test when it opens, or fails otherwise). */
function refusalToOpen(dir: string): ConfigError {
  try {
    StateStore.open(dir).close();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  expect.fail(`the store at ${dir} opened`);
}

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

  it('undoes at the next start a retry the process did not live to finish, and only that', () => {
    const d = dir();
    let store = StateStore.open(d);
    store.beginFiling(filing('F2', ['/a']));
    store.recordOutcome('F2', { target: '/a', outcome: 'skipped', reason: 'No permission to write to /a.' });
    store.markReported('F2', new Date('2026-11-28T15:00:00Z'));
    store.beginFiling(filing('F3', ['/a']));
    store.recordOutcome('F3', { target: '/a', outcome: 'failed', reason: 'too long' });
    store.markReported('F3');
    // Both are retried; F3's retry ends with an outcome, F2's is cut off by a crash.
    expect(store.resetTarget('F2', '/a')).to.equal(true);
    expect(store.resetTarget('F3', '/a')).to.equal(true);
    store.recordOutcome('F3', { target: '/a', outcome: 'created', path: '/a/x.eml' });
    store.close();

    store = StateStore.open(d);
    expect(store.restoreInterruptedRetries()).to.equal(1);
    const [f2] = store.targets('F2');
    expect(f2!.outcome).to.equal('skipped');
    expect(f2!.reason).to.equal('The retry did not finish: filing-sync stopped before it was written. Before: No permission to write to /a.');
    expect(store.beginFiling(filing('F2', ['/a'])).reported, 'the service still has the skipped outcome').to.equal(true);
    expect(store.targets('F3')[0]!.outcome).to.equal('created');
    // Listed where the user can retry it again; nothing left to undo.
    expect(store.recent(10, ['skipped']).map((r) => r.filingId)).to.deep.equal(['F2']);
    expect(store.restoreInterruptedRetries()).to.equal(0);
    store.close();
  });

  it('opens a store of the first schema, keeping its rows, and can retry them', () => {
    const d = dir();
    const db = new Database(join(d, 'state.sqlite'));
    db.exec(MIGRATIONS[0]!);
    db.pragma('user_version = 1');
    db.prepare(`INSERT INTO filings (filing_id, tenant, location_id, location_name, first_seen_at, reported_at) VALUES ('F9', 't1', 'L1', 'Surrey Court', '2026-01-01', '2026-01-02')`).run();
    db.prepare(`INSERT INTO target_outcomes (filing_id, target, outcome, reason, created_at, updated_at) VALUES ('F9', '/a', 'failed', 'too long', '2026-01-01', '2026-01-01')`).run();
    db.close();
    const store = StateStore.open(d);
    expect(store.targets('F9')[0]).to.include({ outcome: 'failed', reason: 'too long' });
    expect(store.restoreInterruptedRetries()).to.equal(0);
    expect(store.resetTarget('F9', '/a')).to.equal(true);
    expect(store.restoreInterruptedRetries()).to.equal(1);
    expect(store.targets('F9')[0]!.outcome).to.equal('failed');
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
    // Transient, not a config error: the store frees up when the other process stops.
    expect(answer).to.match(/^StoreBusy: The state store in .* is in use by another filing-sync process, pid \d+/);
    expect(answer).to.include(String(process.pid));
    store.close();
    // Released on close: another open works.
    StateStore.open(d).close();
    expect(() => StateStore.open(d, { readOnly: true }).close()).not.to.throw();
  });

  it('raises StoreBusy, a transient error with the holder, when the lock is taken', async () => {
    const d = dir();
    const script = join(d, 'hold-store.mjs');
    writeFileSync(script, `import { StateStore } from '${new URL('./state-store.js', import.meta.url).href}';
      const s = StateStore.open(process.argv[2]); process.send('held'); process.on('message', () => { s.close(); process.exit(0); });`);
    const child = fork(script, [d]);
    await new Promise<void>((res) => child.once('message', () => res()));
    try {
      expect(() => StateStore.open(d)).to.throw(StoreBusy);
      try {
        StateStore.open(d);
      } catch (err) {
        expect(err).to.be.instanceOf(TransientError);
        expect(err).not.to.be.instanceOf(ConfigError);
        expect(err).to.include({ holderPid: child.pid, dir: d, lockPath: join(d, 'state.lock') });
        expect((err as StoreBusy).action).to.match(/Stop the other filing-sync process/);
      }
    } finally {
      child.send('stop');
      await new Promise((res) => child.once('exit', res));
    }
  });

  it('drops the pending rows of targets removed from the location, keeping final outcomes', () => {
    const store = StateStore.open(dir());
    store.beginFiling(filing('F4', ['/a', '/b', '/c']));
    store.recordOutcome('F4', { target: '/a', outcome: 'created' });
    store.recordFailure('F4', '/c', 'busy');
    // Redelivered after /b and /c were removed and /d added.
    store.beginFiling(filing('F4', ['/d']));
    expect(store.targets('F4').map((t) => [t.target, t.outcome])).to.deep.equal([['/a', 'created'], ['/d', null]]);
    store.recordOutcome('F4', { target: '/d', outcome: 'created' });
    expect(store.summary().byOutcome).to.include({ created: 2, pending: 0 });
    expect(store.recent(10, ['pending'])).to.deep.equal([]);
    store.close();
  });

  it('names stateDir and the system\'s reason when the folder cannot be made (a path under a file)', () => {
    const file = join(dir(), 'a-file');
    writeFileSync(file, 'x');
    const under = join(file, 'state');
    const thrown = refusalToOpen(under);
    expect(thrown.issues[0]!.key).to.equal('stateDir');
    expect(thrown.message).to.include(under).and.to.include('ENOTDIR');
  });

  it('tells the user to upgrade when a newer filing-sync wrote the store', () => {
    const d = dir();
    const db = new Database(join(d, 'state.sqlite'));
    db.pragma('user_version = 99');
    db.close();
    const thrown = refusalToOpen(d);
    expect(thrown.issues[0]!.key).to.equal('stateDir');
    expect(thrown.message).to.match(/newer filing-sync: schema 99/);
    expect(thrown.action).to.match(/^Upgrade filing-sync/);
    // The lock was released: the same folder opens once the cause is gone.
    const again = new Database(join(d, 'state.sqlite'));
    again.pragma('user_version = 0');
    again.close();
    StateStore.open(d).close();
  });

  it('speaks of permissions when SQLite cannot open or write the store', () => {
    const d = dir();
    // A folder where the database file should be: SQLite cannot open it (as for a file it may not open).
    mkdirSync(join(d, 'state.sqlite'));
    const thrown = refusalToOpen(d);
    expect(thrown.message).to.include(d).and.to.include('SQLITE_CANTOPEN');
    expect(thrown.action).to.match(/permission/);
    // A read-only file or disk cannot be made here (the tests may run as root): the mapping alone.
    const readonly = Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' });
    const mapped = openError(readonly, '/var/lib/filing-sync') as ConfigError;
    expect(mapped).to.be.instanceOf(ConfigError);
    expect(mapped.issues[0]).to.include({ key: 'stateDir' });
    expect(mapped.message).to.include('/var/lib/filing-sync: attempt to write a readonly database (SQLITE_READONLY)');
    expect(mapped.action).to.match(/permission/);
    // Anything else is left as it is.
    const other = Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' });
    expect(openError(other, d)).to.equal(other);
  });
});
