import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { SignIns } from './auth/sign-ins.js';
import { TokenVault } from './auth/token-vault.js';
import { desktopHost } from './composition.js';
import { DesktopApp, type ActivityView, type StatusView } from './desktop-app.js';
import { chattr, enterPage, eventually, message, startDesktop, type DesktopFixture, type PageSession } from './e2e/fixture.test.helpers.js';
import { startUiServer, type UiServer } from './ui/ui-server.js';

interface Problem {
  error: string;
  message: string;
  action?: string;
}

describe('DesktopApp: a retry never leaves a filing the service will not send again stranded as pending', function () {
  this.timeout(60_000);
  let d: DesktopFixture;
  let locked: string;
  const leaseState = () => (JSON.parse(d.app.current?.store.getMeta('lease') ?? '{}') as { state?: string }).state;
  const activity = async () => (await d.session.api<ActivityView[]>('GET', '/api/activity')).body;

  before(async () => {
    d = await startDesktop({ locations: [{ id: 'L1', name: 'Surrey', format: 'eml', targets: ['locked'] }] });
    locked = d.target('locked');
    await mkdir(locked, { recursive: true });
    chattr('+i', locked);
    await eventually('running', async () => (await d.app.status()).state === 'running');
  });
  after(async () => {
    d?.filing.faults.setPlan(undefined);
    try {
      chattr('-i', locked);
    } catch {
      // already writable
    }
    await d?.close();
  });

  it('a retry that ends without an outcome gives the target its earlier outcome back, with the reason, and it can be retried again', async () => {
    await d.filing.addFiling({ id: 'F-pending', location: 'L1', raw: message('Site visit notes') });
    await eventually('the filing to be skipped and reported', () => d.filing.filing('F-pending')?.state === 'done');
    chattr('-i', locked);
    // The filing service has a hiccup while the user retries: the message cannot be fetched.
    d.filing.faults.setPlan({ rate: 1, kinds: ['reset'], applies: (req) => /\/content/.test(req.url ?? '') });
    const r = await d.session.api<Problem>('POST', '/api/retry', { filingId: 'F-pending', target: locked });
    d.filing.faults.setPlan(undefined);
    expect(r.status).to.equal(409);
    expect(r.body.error).to.equal('retry-unfinished');
    expect(r.body.message).to.match(/did not finish/);
    const row = (await activity()).find((a) => a.filingId === 'F-pending')!;
    expect(row).to.include({ outcome: 'skipped', retryable: true });
    expect(row.reason).to.match(/^Retry did not finish: /);
    // Still there (not pending forever): the next retry writes it and reports the new outcome.
    const again = await d.session.api<{ outcome: string }>('POST', '/api/retry', { filingId: 'F-pending', target: locked });
    expect(again).to.deep.equal({ status: 200, body: { outcome: 'created' } });
    expect(await readdir(locked)).to.deep.equal(['20261128T144613Z Site visit notes.eml']);
    expect(d.filing.filing('F-pending')!.outcomes[locked]!.map((o) => o.outcome)).to.deep.equal(['skipped', 'created']);
  });

  it('while the tenant lease is lost, the status says Starting with the reason, not Running', async () => {
    chattr('+i', locked);
    await d.filing.addFiling({ id: 'F-nolease', location: 'L1', raw: message('Drainage survey') });
    await eventually('the second filing to be skipped and reported', () => d.filing.filing('F-nolease')?.state === 'done');
    // The filing service stops answering lease renewals and claims: the lease runs out.
    d.filing.faults.setPlan({ rate: 1, kinds: ['reset'], applies: (req) => /\/(lease|claims)/.test(req.url ?? '') });
    await eventually('the lease to be lost', () => leaseState() !== undefined && leaseState() !== 'held');
    const status = (await d.session.api<StatusView>('GET', '/api/status')).body;
    expect(status.state).to.equal('starting');
    // Lost at its renewal, or given back when the claims kept failing first: either way not Running, and said why.
    expect(status.waitingReason).to.match(/lease was (lost|given back)/);
  });

  it('refuses a retry without the tenant lease and leaves the item as it was; retried once the lease is back', async () => {
    expect(leaseState()).not.to.equal('held');
    chattr('-i', locked);
    const r = await d.session.api<Problem>('POST', '/api/retry', { filingId: 'F-nolease', target: locked });
    expect(r.status).to.equal(409);
    const row = (await activity()).find((a) => a.filingId === 'F-nolease')!;
    expect(row).to.include({ outcome: 'skipped', retryable: true });
    d.filing.faults.setPlan(undefined);
    await eventually('the lease to be held again', async () => leaseState() === 'held' && (await d.app.status()).state === 'running');
    const again = await d.session.api<{ outcome: string }>('POST', '/api/retry', { filingId: 'F-nolease', target: locked });
    expect(again).to.deep.equal({ status: 200, body: { outcome: 'created' } });
    expect(d.filing.filing('F-nolease')!.outcomes[locked]!.map((o) => o.outcome)).to.deep.equal(['skipped', 'created']);
  });
});

describe('DesktopApp: start, stop and restart one after another', function () {
  this.timeout(60_000);
  let d: DesktopFixture;
  beforeEach(async () => {
    d = await startDesktop({ locations: [{ id: 'L1', name: 'Surrey', format: 'eml', targets: ['surrey'] }] });
    await eventually('running', async () => (await d.app.status()).state === 'running');
  });
  afterEach(async () => d?.close());

  /**
   * Restarts, and calls `during` the moment the new connector starts to boot (the app resets the
   * sign-ins first thing in every boot), in that same turn: a boot can finish without giving
   * timers or I/O a turn, so this is the one sure way to land in it.
   */
  function restartCalling(during: () => Promise<void>): { restarting: Promise<void>; called: Promise<void> } {
    const reset = d.signIns.reset;
    let call!: (p: Promise<void>) => void;
    const called = new Promise<void>((r) => (call = (p) => r(p)));
    d.signIns.reset = function (this: typeof d.signIns) {
      reset.call(this);
      d.signIns.reset = reset;
      call(during());
    };
    return { restarting: d.app.restart(), called };
  }

  it('a second save while the first one boots restarts after it: no second boot beside the first (failing on its own store lock)', async () => {
    const { restarting, called } = restartCalling(() => d.app.restart());
    await Promise.all([restarting, called]);
    const status = await d.app.status();
    expect(status.state, status.stoppedReason).not.to.equal('stopped');
    expect(status.stoppedReason).to.equal(undefined);
    await eventually('running after both restarts', async () => (await d.app.status()).state === 'running', 10_000);
    await d.filing.addFiling({ id: 'F-after', location: 'L1', raw: message('After two saves') });
    await eventually('the filing to be written', () => d.filing.filing('F-after')?.state === 'done', 10_000);
  });

  it('two saves at once from the page: both replies say the connector starts or runs, not stopped', async () => {
    const save = (n: number) => d.session.api<{ status: StatusView }>('PUT', '/api/settings', { values: { 'concurrency.filings': n } });
    for (const r of await Promise.all([save(3), save(4)])) {
      expect(r.status).to.equal(200);
      expect(r.body.status.state, r.body.status.stoppedReason).not.to.equal('stopped');
    }
  });

  it('a stop asked for while a restart boots stops the new connector too, and gives the lease back', async () => {
    const { restarting, called } = restartCalling(() => d.app.stop());
    await called;
    expect(d.app.current, 'a connector runs after the stop').to.equal(undefined);
    await restarting;
    expect((await d.app.status()).state).to.equal('stopped');
    await sleep(1500);
    expect(d.app.current, 'a connector booted after the stop').to.equal(undefined);
    expect(d.filing.lease(), 'the lease is still held').to.equal(undefined);
  });

  it('after close (quit) while a restart boots, nothing runs: the booted connector is closed, and a later start boots nothing', async () => {
    const { restarting, called } = restartCalling(() => d.app.close());
    await called;
    await restarting;
    expect(d.app.current).to.equal(undefined);
    await d.app.start();
    await sleep(1000);
    expect(d.app.current).to.equal(undefined);
    expect(d.filing.lease()).to.equal(undefined);
  });
});

describe('DesktopApp while the connector is stopped: plain answers, not configuration errors', function () {
  let dir: string;
  let ui: UiServer;
  let session: PageSession;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-desktop-stopped-'));
    const configPath = join(dir, 'desktop.json');
    await writeFile(configPath, JSON.stringify({ source: {}, stateDir: './state', credentials: { 'dropbox-user': { appKey: 'k' } } }));
    const signIns = new SignIns(await TokenVault.open(dir));
    const app = new DesktopApp({ host: desktopHost({ signIns }), signIns, configPath, logDestination: new Writable({ write: (_c, _e, cb) => cb() }) });
    await app.start();
    ui = await startUiServer({ app, signIns, configPath, port: 0, openFolder: async () => {}, onQuit: () => {} });
    session = await enterPage(ui);
  });
  after(async () => {
    await ui?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 409 "not available while the connector is stopped", with what to do, for locations, activity and retry', async () => {
    for (const [method, path] of [['GET', '/api/locations'], ['GET', '/api/activity'], ['POST', '/api/retry']] as const) {
      const r = await session.api<Problem>(method, path, { filingId: 'F1', target: '/x' });
      expect(r.status, path).to.equal(409);
      expect(r.body.error, path).to.equal('stopped');
      expect(r.body.message, path).to.match(/^Not available while the connector is stopped/).and.not.match(/Invalid configuration:/);
      expect(r.body.action, path).to.match(/^Start it/);
    }
  });

  it('shows a cloud whose credentials section is in the config as set up, to sign in to once the connector runs', async () => {
    const accounts = (await session.api<{ name: string; configured: boolean; unavailable?: string }[]>('GET', '/api/accounts')).body;
    const dropbox = accounts.find((a) => a.name === 'dropbox-user')!;
    expect(dropbox.configured).to.equal(true);
    expect(dropbox.unavailable).to.match(/signing in works once the connector runs/).and.match(/source/);
    expect(accounts.find((a) => a.name === 'box-user')!.configured).to.equal(false);
    const r = await session.api<Problem>('POST', '/api/accounts/dropbox-user/sign-in');
    expect(r.status).to.equal(409);
    expect(r.body.message).to.match(/Dropbox is set up; signing in works once the connector runs/);
    expect(r.body.message).not.to.match(/app registration/);
  });
});
