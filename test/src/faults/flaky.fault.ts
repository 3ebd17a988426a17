import { expect } from 'chai';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startFilingServiceDouble, startGraphDouble, trustTestCertificate,
  type FilingServiceDouble, type GraphDouble, type InjectedFault, type RecordedRequest,
} from '@filing-sync/doubles';
import { devLicence, listFiles, tempDir } from '../e2e/support.js';
import { finding } from './fault-table.js';
import {
  CLIENT_ID, CLIENT_SECRET, TENANT_ID, TOKEN, certificateFile, faultHostConfig, killLeftoverHosts, mail, startFaultHost,
} from './fault-support.js';

const FILINGS = 120;
const RATE = 0.3;
const SEED = Number(process.env.FILING_SYNC_FAULT_SEED ?? 20261128);
/** A timer may fire a little early against another process's clock reading; never more than this. */
const CLOCK_SLACK_MS = 25;

/** How long after each throttled request the same request came again (when it did). */
function waitsAfter(faults: readonly InjectedFault[], requests: readonly RecordedRequest[], runStarts: readonly number[]): { fault: InjectedFault; waitedMs: number }[] {
  const out: { fault: InjectedFault; waitedMs: number }[] = [];
  for (const f of faults) {
    if (f.retryAfterSeconds === undefined) continue;
    const same = (r: RecordedRequest) => r.method === f.method && r.url === f.url;
    // The faulted request is the last like it recorded up to the fault; the retry is the next one.
    let i = -1;
    for (let j = 0; j < requests.length && requests[j]!.at <= f.at; j++) if (same(requests[j]!)) i = j;
    const next = i < 0 ? undefined : requests.slice(i + 1).find(same);
    // A request from the next host run is that run's first try, not a retry of this fault.
    if (next && !runStarts.some((s) => s > f.at && s <= next.at)) out.push({ fault: f, waitedMs: next.at - f.at });
  }
  return out;
}

/** Lease calls are the lease keeper's (renewals race the lease's expiry); the rest are engine retries. */
const isLeaseCall = (f: InjectedFault) => /\/lease(\/|$)/.test(f.url);

describe('fault: flaky filing service and Graph (30 % of calls 429, 503, reset or timeout)', function () {
  this.timeout(300_000);
  let filing: FilingServiceDouble | undefined;
  let graph: GraphDouble | undefined;
  before(trustTestCertificate);
  after(async () => {
    await killLeftoverHosts();
    await filing?.close();
    await graph?.close();
  });

  it('files everything once, and every retry of a throttled call waits for Retry-After', async () => {
    const root = await tempDir('filing-sync-faults-flaky-');
    // Token requests are spared: the faults are the source's and the sink's, not the identity platform's.
    const plan = { rate: RATE, seed: SEED, retryAfterSeconds: 1, timeoutMs: 500, applies: (req: { url?: string }) => /^\/(v1\.0|upload)\//.test(req.url ?? '') };
    graph = await startGraphDouble({ faults: plan });
    graph.identity.register({ tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const drive = graph.addDrive('b!flaky-drive', 'Flaky');
    const local = join(root, 'filed', 'email');
    const targets = [local, `onedrive://${drive.id}/Flaky/email`];
    filing = await startFilingServiceDouble({
      manifest: { tenant: 't1', token: TOKEN, filings: [], locations: [{ id: 'L1', name: 'Flaky', format: 'eml', targets }] },
      failRate: RATE, faultSeed: SEED + 1, faultTimeoutMs: 500, retryAfterSeconds: 1, visibilityTimeoutMs: 3_000, leaseTtlMs: 6_000,
    });
    const raws = new Set<string>();
    for (let i = 0; i < FILINGS; i++) {
      const raw = mail(i, i % 10 === 0 ? 700_000 : 0);
      raws.add(raw);
      await filing.addFiling({ id: `F${i}`, location: 'L1', raw });
    }
    await mkdir(join(root, 'filed'));
    const caFile = await certificateFile(root);
    const config = await faultHostConfig({
      dir: root, filing, graph, stateDir: join(root, 'state'), allowedRoots: [join(root, 'filed')], licence: await devLicence(root, 't1'),
      // Large files take the upload-session path, whose fragments are faulted too.
      sinkSettings: { onedrive: { largeUploadThreshold: 512 * 1024 } },
      more: { lease: { ttlSeconds: 6 }, retry: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 3_000 } },
    });
    // A --once run leaves what ran out of retries pending for the next delivery; run until done.
    let runs = 0;
    let output = '';
    const runStarts: number[] = [];
    const done = () => filing!.filings().filter((f) => f.state === 'done').length;
    while (done() < FILINGS && runs < 10) {
      runs++;
      runStarts.push(Date.now());
      const host = startFaultHost(config, true, caFile);
      await host.exited;
      output = host.output();
    }
    const problems: string[] = [];
    if (done() !== FILINGS) problems.push(`${done()} of ${FILINGS} done after ${runs} runs; last:\n${output}`);

    const files = await listFiles(local);
    const localContents = new Set(await Promise.all(files.map(async (f) => (await readFile(join(local, f))).toString('latin1'))));
    if (files.length !== FILINGS || localContents.size !== FILINGS || [...localContents].some((c) => !raws.has(c))) problems.push(`folder: ${files.length} files, ${localContents.size} distinct`);
    const cloud = drive.filesBelow('Flaky/email');
    const cloudContents = new Set([...cloud.values()].map((b) => b.toString('latin1')));
    if (cloud.size !== FILINGS || cloudContents.size !== FILINGS || [...cloudContents].some((c) => !raws.has(c))) problems.push(`Graph double: ${cloud.size} files, ${cloudContents.size} distinct (duplicates: ${[...cloud.keys()].filter((n) => / \(\d+\)\.eml$/.test(n)).join(', ')})`);
    // A session whose cancel request was itself failed stays open until Graph expires it: no file, no duplicate.
    const openSessions = graph.openSessions;
    for (const f of filing.filings()) {
      for (const t of targets) {
        const outs = f.outcomes[t] ?? [];
        if (!outs.length || outs.some((o) => !['created', 'identical'].includes(o.outcome))) problems.push(`${f.id} → ${t}: ${outs.map((o) => `${o.outcome} ${o.reason ?? ''}`).join(', ') || 'no outcome'}`);
      }
    }

    // Waits observed in the doubles' request logs after each 429/503.
    const waits = [...waitsAfter(filing.faults.log, filing.requests, runStarts), ...waitsAfter(graph.http.faults.log, graph.http.requests, runStarts)];
    const engineWaits = waits.filter((w) => !isLeaseCall(w.fault));
    const leaseWaits = waits.filter((w) => isLeaseCall(w.fault));
    const early = engineWaits.filter((w) => w.waitedMs < w.fault.retryAfterSeconds! * 1000 - CLOCK_SLACK_MS);
    const earlyLease = leaseWaits.filter((w) => w.waitedMs < w.fault.retryAfterSeconds! * 1000 - CLOCK_SLACK_MS);
    if (early.length) problems.push(`${early.length} retries came before Retry-After: ${early.slice(0, 3).map((w) => `${w.fault.method} ${w.fault.url} after ${w.waitedMs} ms`).join('; ')}`);
    const minWait = Math.min(...engineWaits.map((w) => w.waitedMs));
    const injected = (d: { faults: { injected: Record<string, number> } }) => Object.entries(d.faults.injected).map(([k, v]) => `${v} ${k}`).join(', ');
    finding(
      'flaky services',
      `${FILINGS} filings × (folder + Graph double), 30 % of filing-service calls (${injected(filing)}) and Graph calls (${injected(graph.http)}) failed, Retry-After 1 s, seed ${SEED}`,
      problems.length
        ? problems.slice(0, 4).join('; ')
        : `all filed in ${runs} run(s), no duplicates in the Graph double (${openSessions} abandoned upload sessions left to expire: their cancel was failed too); ${engineWaits.length} engine retries after 429/503 waited ≥ Retry-After (shortest ${minWait} ms); ` +
          `lease keeper: ${earlyLease.length} of ${leaseWaits.length} lease calls retried sooner (renewal races the expiry)`,
      problems.length === 0,
    );
    expect(problems).to.deep.equal([]);
    expect(engineWaits.length, 'throttled calls that were retried').to.be.greaterThan(10);
  });
});
