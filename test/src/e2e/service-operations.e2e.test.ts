import { expect } from 'chai';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFilingServiceDouble, type FilingServiceDouble } from '@filing-sync/doubles';
import { devLicence, listFiles, message, runHost, startHost, tempDir } from './support.js';

const TOKEN = 'ops-secret-token-7d1e';

/** A double for tenant t1 with one location per target list and `count` filings spread over them. */
async function doubleWith(locations: string[][], count: number): Promise<FilingServiceDouble> {
  const double = await startFilingServiceDouble({
    manifest: { tenant: 't1', token: TOKEN, locations: locations.map((targets, i) => ({ id: `L${i}`, name: `Location ${i}`, format: 'eml', targets })), filings: [] },
    visibilityTimeoutMs: 3_000,
  });
  for (let i = 0; i < count; i++) await double.addFiling({ id: `F${i}`, location: `L${i % locations.length}`, raw: message(i) });
  return double;
}

function connectorArgs(double: FilingServiceDouble, dir: string, licence: string): string[] {
  return ['--source-url', double.url, '--tenant', 't1', '--state-dir', join(dir, 'state'), '--allow-root', join(dir, 'root'), '--license', licence];
}

interface DoctorJson {
  ok: boolean;
  checks: { check: string; status: 'ok' | 'problem'; detail: string; action?: string }[];
}

describe('service host in production, end to end against the filing-service double', function () {
  this.timeout(120_000);
  let double: FilingServiceDouble | undefined;
  afterEach(async () => {
    await double?.close();
    double = undefined;
  });

  it('refuses to sync without a valid licence: each problem has its own message, exit code 4, nothing written or leased', async () => {
    const dir = await tempDir();
    const target = join(dir, 'root', 'target');
    double = await doubleWith([[target]], 2);
    const cases: { name: string; licence: () => Promise<string>; says: RegExp }[] = [
      { name: 'missing', licence: async () => join(dir, 'nowhere', 'Sync-license.lic'), says: /No licence file: looked for .*nowhere.*Sync-license\.lic/ },
      { name: 'malformed', licence: async () => { const p = join(dir, 'malformed.lic'); await writeFile(p, 'not a licence'); return p; }, says: /malformed\.lic is not a readable filing-sync licence: it is not JSON/ },
      {
        name: 'bad signature',
        licence: async () => {
          const p = await devLicence(await tempDir(), 't1');
          const file = JSON.parse(await readFile(p, 'utf8')) as { payload: { maxLocations: number } };
          file.payload.maxLocations = 100_000;
          await writeFile(p, JSON.stringify(file));
          return p;
        },
        says: /fails its signature check: it was changed after it was issued/,
      },
      { name: 'expired', licence: async () => devLicence(await tempDir(), 't1', { expiresAt: '2026-01-31T00:00:00.000Z' }), says: /The licence for tenant "t1" \(filing-sync tests\) expired on 2026-01-31T00:00:00\.000Z/ },
      { name: 'wrong tenant', licence: async () => devLicence(await tempDir(), 'someone-else'), says: /is for tenant "someone-else", but this connector is configured for tenant "t1"/ },
      { name: 'wrong variant', licence: async () => devLicence(await tempDir(), 't1', { variant: 'desktop' }), says: /covers the desktop variant of filing-sync only; this is the service variant/ },
    ];
    const messages = new Set<string>();
    for (const c of cases) {
      const r = await runHost(['run', '--once', ...connectorArgs(double, dir, await c.licence())], { FILING_SYNC_TOKEN: TOKEN });
      expect(r.code, `${c.name}: ${r.output}`).to.equal(4);
      expect(r.output, c.name).to.match(c.says);
      const first = r.output.split('\n')[0]!;
      expect(first, c.name).to.match(/^error: /);
      messages.add(first.replace(/\/tmp\/\S+/g, ''));
    }
    expect(messages.size).to.equal(cases.length);
    expect(double.leaseHistory()).to.deep.equal([]);
    expect(double.filings().map((f) => f.state)).to.deep.equal(['pending', 'pending']);
    expect(await listFiles(join(dir, 'root'))).to.deep.equal([]);

    // license verify says the same, and what a valid one allows.
    const bad = await runHost(['license', 'verify', await cases[4]!.licence(), '--tenant', 't1']);
    expect(bad.code).to.equal(4);
    expect(bad.output).to.match(/is for tenant "someone-else"/);
    const good = await runHost(['license', 'verify', await devLicence(await tempDir(), 't1'), '--tenant', 't1']);
    expect(good.code, good.output).to.equal(0);
    expect(good.output).to.match(/: valid\n\s+licensee:\s+filing-sync tests\n\s+tenant:\s+t1 \(matches source\.tenant\)/);
    expect(good.output).to.include('DEVELOPMENT key');
  });

  it('stops syncing when the licence lapses while it runs, with the expired message and exit code 4', async () => {
    const dir = await tempDir();
    const target = join(dir, 'root', 'target');
    double = await doubleWith([[target]], 2);
    await mkdir(join(dir, 'root'));
    const expiresAt = new Date(Date.now() + 12_000).toISOString();
    const host = startHost(['run', ...connectorArgs(double, dir, await devLicence(dir, 't1', { expiresAt }))], { FILING_SYNC_TOKEN: TOKEN });
    await host.waitFor(/tenant lease acquired/);
    expect(await host.exited).to.equal(4);
    expect(Date.now()).to.be.at.least(Date.parse(expiresAt));
    expect(host.output()).to.include(`expired on ${expiresAt}`);
    expect(host.output()).to.match(/tenant lease released/);
    // What was queued before it lapsed was filed.
    expect(await listFiles(target)).to.have.length(2);
  });

  it('doctor: a healthy setup passes every check, text and --json', async () => {
    const dir = await tempDir();
    const a = join(dir, 'root', 'A');
    const b = join(dir, 'root', 'B');
    double = await doubleWith([[a], [a, b]], 2);
    await mkdir(join(dir, 'root'));
    const args = connectorArgs(double, dir, await devLicence(dir, 't1'));
    const json = await runHost(['doctor', '--json', ...args], { FILING_SYNC_TOKEN: TOKEN });
    expect(json.code, json.output).to.equal(0);
    const report = JSON.parse(json.output) as DoctorJson;
    expect(report.ok).to.equal(true);
    expect(report.checks.map((c) => c.check)).to.deep.equal([
      'licence', 'config', 'filing service', 'tenant lease', 'clock',
      `target Location 0: ${a}`, `target Location 1: ${a}`, `target Location 1: ${b}`, 'state store', 'filings',
    ]);
    for (const c of report.checks) expect(c.status, `${c.check}: ${c.detail}`).to.equal('ok');
    expect(report.checks[2]!.detail).to.match(/answers and accepts the token; tenant "t1" has 2 location\(s\)/);
    expect(report.checks[3]!.detail).to.match(/nobody holds it/);
    expect(report.checks[5]!.detail).to.match(/probe file was written and removed/);
    // The probe leaves nothing behind.
    expect(await listFiles(join(dir, 'root'))).to.deep.equal([]);

    const text = await runHost(['doctor', ...args], { FILING_SYNC_TOKEN: TOKEN });
    expect(text.code, text.output).to.equal(0);
    expect(text.output).to.match(/^filing-sync doctor\n {2}ok {7}licence: /);
    expect(text.output).to.match(/No problems found\.\n$/);
    expect(text.output).not.to.include(TOKEN);
  });

  it('doctor: a broken setup names each problem with what to do, and exits non-zero', async () => {
    const dir = await tempDir();
    const ok = join(dir, 'root', 'ok');
    const unmounted = join(dir, 'share-not-mounted', 'Projects');
    double = await doubleWith([[ok, unmounted]], 1);
    await mkdir(join(dir, 'root'));
    const args = [...connectorArgs(double, dir, await devLicence(dir, 'another-tenant')), '--allow-root', join(dir, 'share-not-mounted')];
    const r = await runHost(['doctor', '--json', ...args], { FILING_SYNC_TOKEN: TOKEN });
    expect(r.code, r.output).to.equal(1);
    const report = JSON.parse(r.output) as DoctorJson;
    expect(report.ok).to.equal(false);
    const problems = report.checks.filter((c) => c.status === 'problem');
    expect(problems.map((c) => c.check)).to.deep.equal(['licence', `target Location 0: ${unmounted}`]);
    expect(problems[0]!.detail).to.match(/^wrong-tenant: .*is for tenant "another-tenant"/);
    expect(problems[0]!.action).to.match(/Use the licence issued for tenant "t1"/);
    expect(problems[1]!.detail).to.match(/does not exist and cannot be created/);
    expect(problems[1]!.action).to.match(/drive, share or library exists/);

    // A refused token: the filing service check says so, and what depends on it is not checked.
    const refused = await runHost(['doctor', ...args], { FILING_SYNC_TOKEN: 'wrong-token' });
    expect(refused.code).to.equal(1);
    expect(refused.output).to.match(/PROBLEM {2}filing service: .* refuses the token/);
    expect(refused.output).to.match(/what to do: Check source\.token/);
    expect(refused.output).to.match(/PROBLEM {2}lease, clock and targets: not checked/);
  });

  it('serves /healthz and /metrics on loopback, logs progress and writes rotating log files in the state folder', async () => {
    const dir = await tempDir();
    const a = join(dir, 'root', 'A');
    const b = join(dir, 'root', 'B');
    double = await doubleWith([[a], [a, b]], 6);
    await mkdir(join(dir, 'root'));
    const host = startHost(['run', ...connectorArgs(double, dir, await devLicence(dir, 't1')), '--metrics-port', '0', '--progress-interval', '0.2'], { FILING_SYNC_TOKEN: TOKEN });
    try {
      await host.waitFor(/health and metrics at http:\/\/127\.0\.0\.1:\d+/);
      const url = /health and metrics at (http:\/\/127\.0\.0\.1:\d+)/.exec(host.output())![1]!;
      await host.waitFor(/progress: 6 of 6 filing\(s\) reported, 0 pending/);
      expect(double.filings().every((f) => f.state === 'done')).to.equal(true);

      const health = await fetch(`${url}/healthz`);
      expect(health.status).to.equal(200);
      const h = (await health.json()) as { status: string; lease: { state: string; holder: string }; lastSuccessfulPollAgeSeconds: number };
      expect(h.status).to.equal('ok');
      expect(h.lease.state).to.equal('held');
      expect(h.lease.holder).to.equal(double.lease()!.holder);
      expect(h.lastSuccessfulPollAgeSeconds).to.be.a('number').and.at.least(0);

      const res = await fetch(`${url}/metrics`);
      expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      const metrics = await res.text();
      // 3 filings to A, 3 to A and B: 9 targets created by the filesystem sink.
      expect(metrics).to.match(/^filing_sync_target_outcomes_total\{outcome="created",sink="filesystem"\} 9$/m);
      expect(metrics).to.match(/^filing_sync_write_duration_seconds_count\{sink="filesystem"\} 9$/m);
      expect(metrics).to.match(/^filing_sync_write_duration_seconds_bucket\{le="\+Inf",sink="filesystem"\} 9$/m);
      expect(metrics).to.match(/^filing_sync_filings_reported_total 6$/m);
      expect(metrics).to.match(/^filing_sync_lease_held 1$/m);
      expect(metrics).to.match(/^filing_sync_lease_state\{state="held"\} 1$/m);
      expect(metrics).to.match(/^filing_sync_queue_depth 0$/m);
      expect(metrics).to.match(/^filing_sync_pending_targets 0$/m);
      expect(metrics).to.match(/^# TYPE filing_sync_retries_total counter$/m);
      expect(metrics).to.match(/^filing_sync_last_successful_poll_timestamp_seconds \d+/m);
      expect((await fetch(`${url}/nothing`)).status).to.equal(404);
    } finally {
      host.child.kill('SIGTERM');
    }
    expect(await host.exited).to.equal(0);
    // The same lines went to a log file in the state folder as well as to stdout.
    const logs = await readdir(join(dir, 'state', 'logs'));
    expect(logs.some((f) => /^filing-sync\.\d+\.log$/.test(f)), logs.join(', ')).to.equal(true);
    const logText = (await Promise.all(logs.map((f) => readFile(join(dir, 'state', 'logs', f), 'utf8')))).join('');
    expect(logText).to.include('"msg":"licence verified"');
    expect(logText).to.include('tenant lease released');
    expect(logText).not.to.include(TOKEN);
  });
});
