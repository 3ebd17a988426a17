import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFilingServiceDouble, type FilingServiceDouble } from '@filing-sync/doubles';
import { devLicence, exists, listFiles, message, runHost, startHost, tempDir } from './support.js';

const TOKEN = 'e2e-secret-token-4f9a2c';

/** A double with `count` messages filed to one location per target set. */
async function setUp(locations: { id: string; format?: string; targets: string[] }[], count: number, extra: Partial<Parameters<typeof startFilingServiceDouble>[0]> = {}) {
  const double = await startFilingServiceDouble({
    manifest: {
      tenant: 't1',
      token: TOKEN,
      locations: locations.map((l) => ({ id: l.id, name: `Location ${l.id}`, format: l.format ?? 'eml', targets: l.targets })),
      filings: [],
    },
    visibilityTimeoutMs: 3_000,
    ...extra,
  });
  const raws = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const id = `F${i}`;
    const raw = message(i, i % 5 === 0 ? `Re: what?*<>| "quoted" ${i}` : `Site visit ${i}`);
    raws.set(id, raw);
    await double.addFiling({ id, location: locations[i % locations.length]!.id, raw });
  }
  return { double, raws };
}

/** A development licence for tenant t1, made once for the suite. */
let licence: string;
before(async () => {
  licence = await devLicence(await tempDir(), 't1');
});

function hostArgs(double: FilingServiceDouble, stateDir: string, root: string, more: string[] = []): string[] {
  return ['run', '--once', '--source-url', double.url, '--tenant', 't1', '--state-dir', stateDir, '--allow-root', root, '--license', licence, ...more];
}

/** Every file under root must be one of the filed messages, exactly once per target. */
async function expectFiledOnce(root: string, targets: string[], raws: Map<string, string>, perTarget: (t: string) => number) {
  for (const t of targets) {
    const files = await listFiles(t);
    expect(files.filter((f) => f.includes('.partial')), `partials in ${t}`).to.deep.equal([]);
    expect(files, `files in ${t}`).to.have.length(perTarget(t));
    const contents = await Promise.all(files.map((f) => readFile(join(t, f), 'utf8')));
    expect(new Set(contents).size, `distinct contents in ${t}`).to.equal(files.length);
    for (const c of contents) expect([...raws.values()]).to.include(c);
  }
  void root;
}

/** Resolves once the double has every filing done; rejects, naming the states, after `ms`. */
async function allDone(double: FilingServiceDouble, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !double.filings().every((f) => f.state === 'done'); ) {
    if (Date.now() > end) throw new Error(`filings not done after ${ms} ms: ${double.filings().map((f) => `${f.id} ${f.state}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('service host, end to end against the filing-service double', function () {
  this.timeout(120_000);
  let double: FilingServiceDouble | undefined;
  afterEach(async () => {
    await double?.close();
    double = undefined;
  });

  it('files every message once per target with its original bytes and the naming scheme, and a second run writes nothing', async () => {
    const root = await tempDir();
    const a = join(root, 'Surrey Court', 'email');
    const b1 = join(root, 'Harbour', 'email');
    const b2 = join(root, 'Harbour copy');
    const set = await setUp([{ id: 'L1', targets: [a] }, { id: 'L2', targets: [b1, b2] }], 12);
    double = set.double;
    const state = join(root, 'state');
    const first = await runHost(hostArgs(double, state, root), { FILING_SYNC_TOKEN: TOKEN });
    expect(first.code, first.output).to.equal(0);
    await expectFiledOnce(root, [a, b1, b2], set.raws, (t) => (t === a ? 6 : 6));
    const names = await listFiles(a);
    for (const n of names) expect(n).to.match(/^\d{8}T\d{6}Z .+\.eml$/);
    expect(names).to.include('20261128T144613Z Re_ what_____ _quoted_ 0.eml');
    for (const f of double.filings()) {
      expect(f.state, f.id).to.equal('done');
      for (const outs of Object.values(f.outcomes)) expect(outs.map((o) => o.outcome)).to.deep.equal(['created']);
    }
    // The token never reaches the output.
    expect(first.output).not.to.include(TOKEN);

    const before = await listFiles(root);
    const second = await runHost(hostArgs(double, state, root), { FILING_SYNC_TOKEN: TOKEN });
    expect(second.code, second.output).to.equal(0);
    expect(await listFiles(root)).to.deep.equal(before);
  });

  it('writes the writable target and reports the unwritable one as skipped', async function () {
    const root = await tempDir();
    const ok = join(root, 'ok');
    const locked = join(root, 'locked');
    await mkdir(locked, { recursive: true });
    try {
      execFileSync('chattr', ['+i', locked], { stdio: 'ignore' });
    } catch {
      this.skip(); // no immutable attribute on this filesystem, and mode bits do not stop root
    }
    try {
      const set = await setUp([{ id: 'L1', targets: [ok, locked] }], 3);
      double = set.double;
      const r = await runHost(hostArgs(double, join(root, 'state'), root), { FILING_SYNC_TOKEN: TOKEN });
      expect(r.code, r.output).to.equal(0);
      expect(await listFiles(ok)).to.have.length(3);
      expect(await listFiles(locked)).to.deep.equal([]);
      for (const f of double.filings()) {
        expect(f.outcomes[ok]!.map((o) => o.outcome)).to.deep.equal(['created']);
        expect(f.outcomes[locked]!.map((o) => o.outcome)).to.deep.equal(['skipped']);
        expect(f.outcomes[locked]![0]!.reason).to.match(/permission/i);
      }
      const status = await runHost(['status', '--state-dir', join(root, 'state')]);
      expect(status.output).to.match(/3 skipped/);
    } finally {
      execFileSync('chattr', ['-i', locked], { stdio: 'ignore' });
    }
  });

  it('files everything although 30 % of the filing service calls fail', async () => {
    const root = await tempDir();
    const t = join(root, 'flaky');
    const set = await setUp([{ id: 'L1', targets: [t] }], 15, { failRate: 0.3, faultSeed: 7, faultTimeoutMs: 500 });
    double = set.double;
    const r = await runHost(hostArgs(double, join(root, 'state'), root), { FILING_SYNC_TOKEN: TOKEN });
    expect(double.faults.injected['429'] + double.faults.injected['503'] + double.faults.injected.reset + double.faults.injected.timeout).to.be.greaterThan(0);
    // A --once run may end with filings left pending by the faults; a second run finishes them.
    if (r.code !== 0) {
      double.setFailRate(0);
      const again = await runHost(hostArgs(double, join(root, 'state'), root), { FILING_SYNC_TOKEN: TOKEN });
      expect(again.code, again.output).to.equal(0);
    }
    await expectFiledOnce(root, [t], set.raws, () => 15);
    expect(double.filings().every((f) => f.state === 'done')).to.equal(true);
  });

  it('survives SIGKILL mid-run: after a restart nothing is lost, doubled or half-written', async () => {
    const root = await tempDir();
    const t = join(root, 'target');
    const set = await setUp([{ id: 'L1', targets: [t] }], 60);
    double = set.double;
    const state = join(root, 'state');
    const h = startHost(hostArgs(double, state, root), { FILING_SYNC_TOKEN: TOKEN });
    await h.waitFor(/"msg":"tenant lease acquired"|tenant lease acquired/);
    // Let some filings through, then kill without warning.
    for (let i = 0; i < 200 && double.filings().filter((f) => f.state === 'done').length < 5; i++) await new Promise((r) => setTimeout(r, 20));
    h.child.kill('SIGKILL');
    await h.exited;
    double.expireLease();
    const r = await runHost(hostArgs(double, state, root), { FILING_SYNC_TOKEN: TOKEN });
    if (r.code !== 0) {
      // Filings the killed run had reserved come back after the visibility timeout.
      await new Promise((res) => setTimeout(res, 3_500));
      const again = await runHost(hostArgs(double, state, root), { FILING_SYNC_TOKEN: TOKEN });
      expect(again.code, again.output).to.equal(0);
    }
    await expectFiledOnce(root, [t], set.raws, () => 60);
    for (const f of double.filings()) {
      expect(f.state, f.id).to.equal('done');
      // Every report names the same single outcome: nothing written twice.
      for (const outs of Object.values(f.outcomes)) expect(new Set(outs.map((o) => o.path)).size, f.id).to.equal(1);
    }
  });

  it('lets only one connector run per tenant: the second stands by and names the holder', async () => {
    const root = await tempDir();
    const t = join(root, 'target');
    const set = await setUp([{ id: 'L1', targets: [t] }], 3);
    double = set.double;
    const first = startHost(['run', '--source-url', double.url, '--tenant', 't1', '--state-dir', join(root, 's1'), '--allow-root', root, '--license', licence], {
      FILING_SYNC_TOKEN: TOKEN,
    });
    await first.waitFor(/tenant lease acquired/);
    const second = startHost(['run', '--source-url', double.url, '--tenant', 't1', '--state-dir', join(root, 's2'), '--allow-root', root, '--license', licence], {
      FILING_SYNC_TOKEN: TOKEN,
    });
    await second.waitFor(/standing by: the tenant lease is held by filing-sync@[^ ]+ \(pid \d+\)/);
    expect(second.output()).to.include(`pid ${first.child.pid}`);
    // The first host files everything while it holds the lease; stopped sooner, it would leave filings to the
    // standby, which is stopped as soon as it takes over.
    await allDone(double);
    first.child.kill('SIGTERM');
    expect(await first.exited).to.equal(0);
    // Released on a graceful stop: the standby takes over.
    await second.waitFor(/tenant lease acquired/);
    second.child.kill('SIGTERM');
    expect(await second.exited).to.equal(0);
    expect(await listFiles(t)).to.have.length(3);
    const status = await runHost(['status', '--state-dir', join(root, 's1')]);
    expect(status.output).to.match(/Targets: 3 created/);
  });

  it('refuses a bad configuration before anything runs, naming every key', async () => {
    const root = await tempDir();
    const config = join(root, 'config.yaml');
    await writeFile(config, 'poll:\n  intervalSeconds: "soon"\n  batchSize: 0\nlog:\n  level: loud\nsource:\n  url: not-a-url\n');
    const r = await runHost(['run', '--once', '--config', config]);
    expect(r.code).to.equal(2);
    expect(r.output).to.include('poll.intervalSeconds');
    expect(r.output).to.include('poll.batchSize');
    expect(r.output).to.include('log.level');
    expect(r.output).to.include('source.tenant');
    expect(await exists(join(root, 'var'))).to.equal(false);
  });
});
