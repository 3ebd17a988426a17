import { expect } from 'chai';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StateStore } from '@filing-sync/core';
import { startFilingServiceDouble, type FilingServiceDouble } from '@filing-sync/doubles';
import { devLicence, listFiles, startHost, tempDir, type HostProcess } from '../e2e/support.js';
import { finding } from './fault-table.js';
import { TOKEN, mail, until } from './fault-support.js';

const FILINGS = 300;
const LEASE_TTL_MS = 3_000;
/** The standby retries its lease request at least this often (LeaseKeeper: at most max(1 s, ttl/3) apart). */
const STANDBY_POLL_MS = 1_000;
/** A write is recorded just after the file is placed, on the same clock as the double's lease. */
const RECORD_SLACK_MS = 100;

describe('fault: several connectors for one tenant', function () {
  this.timeout(180_000);
  let filing: FilingServiceDouble | undefined;
  const hosts: HostProcess[] = [];
  afterEach(async () => {
    for (const h of hosts) if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGKILL');
    await Promise.all(hosts.splice(0).map((h) => h.exited));
    await filing?.close();
    filing = undefined;
  });

  for (const count of [2, 3]) {
    it(`${count} connectors started together: one writes at a time, and when the writer is killed a standby takes over within the lease time`, async () => {
      const root = await tempDir(`filing-sync-faults-connectors-${count}-`);
      const target = join(root, 'filed', 'email');
      await mkdir(join(root, 'filed'));
      filing = await startFilingServiceDouble({
        manifest: { tenant: 't1', token: TOKEN, filings: [], locations: [{ id: 'L1', name: 'Shared', format: 'eml', targets: [target] }] },
        visibilityTimeoutMs: LEASE_TTL_MS, leaseTtlMs: LEASE_TTL_MS,
      });
      const raws = new Set<string>();
      for (let i = 0; i < FILINGS; i++) {
        const raw = mail(i, i % 3 === 0 ? 20_000 : 0);
        raws.add(raw);
        await filing.addFiling({ id: `K${i}`, location: 'L1', raw });
      }
      const config = join(root, 'config.json');
      await writeFile(config, JSON.stringify({ lease: { ttlSeconds: LEASE_TTL_MS / 1000 }, poll: { intervalSeconds: 0.5, batchSize: 20 }, log: { level: 'warn', files: { enabled: false } } }));
      const licence = await devLicence(root, 't1');
      const stateDirs = Array.from({ length: count }, (_, i) => join(root, `state-${i}`));
      for (const dir of stateDirs) {
        hosts.push(startHost(['run', '--config', config, '--source-url', filing.url, '--tenant', 't1', '--state-dir', dir, '--allow-root', join(root, 'filed'), '--license', licence], { FILING_SYNC_TOKEN: TOKEN }));
      }
      const pidOf = (holder: string) => Number(/pid (\d+)/.exec(holder)?.[1]);
      const done = () => filing!.filings().filter((f) => f.state === 'done').length;

      // Let the first holder write a while, then kill it without warning.
      expect(await until(() => done() >= 40, 60_000), 'the first holder files something').to.equal(true);
      const victimPid = pidOf(filing.lease()!.holder);
      const victim = hosts.find((h) => h.child.pid === victimPid)!;
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      await victim.exited;
      const doneAtKill = done();
      expect(await until(() => done() === FILINGS, 90_000), `all filed after the kill (${done()} of ${FILINGS})`).to.equal(true);
      for (const h of hosts) if (h !== victim) h.child.kill('SIGTERM');
      await Promise.all(hosts.map((h) => h.exited));

      const problems: string[] = [];
      const grants = filing.leaseHistory();
      for (let i = 1; i < grants.length; i++) {
        if (grants[i]!.grantedAt < grants[i - 1]!.endsAt) problems.push(`lease grants ${i - 1} and ${i} overlap`);
      }
      // Every report the service accepted came under the grant current at that moment.
      let reports = 0;
      for (const f of filing.filings()) {
        for (const r of f.reports) {
          reports++;
          const g = grants.find((x) => x.id === r.leaseId);
          const at = Date.parse(r.at);
          if (!g || at < g.grantedAt || at > g.endsAt) problems.push(`${f.id} reported under lease ${r.leaseId} outside its grant`);
        }
      }
      // Every outcome a connector recorded (its own state store) fell inside one of its own lease grants.
      let recorded = 0;
      for (const [i, dir] of stateDirs.entries()) {
        const pid = hosts[i]!.child.pid!;
        const mine = grants.filter((g) => pidOf(g.holder) === pid);
        const store = StateStore.open(dir, { readOnly: true });
        try {
          for (const r of store.recent(1_000_000).filter((a) => a.outcome !== null)) {
            recorded++;
            const t = Date.parse(r.updatedAt);
            if (!mine.some((g) => t >= g.grantedAt && t <= g.endsAt + RECORD_SLACK_MS)) problems.push(`connector pid ${pid} recorded ${r.filingId} at ${r.updatedAt} without holding the lease`);
          }
        } finally {
          store.close();
        }
      }
      const takeover = grants.find((g) => g.grantedAt >= killedAt && pidOf(g.holder) !== victimPid);
      const takeoverMs = takeover ? takeover.grantedAt - killedAt : Infinity;
      if (takeoverMs > LEASE_TTL_MS + STANDBY_POLL_MS) problems.push(`the standby took over ${takeoverMs} ms after the kill (lease ${LEASE_TTL_MS} ms)`);
      // The killed holder may leave a hidden partial file: another installation's, so the standby keeps it until it
      // is ten minutes old (it could be a write in progress). Only filed messages count here.
      const files = (await listFiles(target)).filter((f) => !f.endsWith('.partial'));
      const contents = new Set(await Promise.all(files.map(async (f) => (await readFile(join(target, f))).toString('latin1'))));
      if (files.length !== FILINGS || contents.size !== FILINGS || [...contents].some((c) => !raws.has(c))) problems.push(`${files.length} files, ${contents.size} distinct, expected ${FILINGS}`);
      const holders = new Set(grants.map((g) => g.holder)).size;
      finding(
        `${count} connectors`,
        `${count} hosts for one tenant started together on ${FILINGS} filings, lease ${LEASE_TTL_MS / 1000} s; the holder SIGKILLed after ${doneAtKill} filings`,
        problems.length
          ? problems.slice(0, 4).join('; ')
          : `${grants.length} lease grants to ${holders} holders, never overlapping; all ${recorded} recorded writes (each host's state store) and ${reports} reports inside the writer's own grant; standby took over ${takeoverMs} ms after the kill; every filing once`,
        problems.length === 0,
      );
      expect(problems).to.deep.equal([]);
    });
  }
});
