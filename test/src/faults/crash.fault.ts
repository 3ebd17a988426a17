import { expect } from 'chai';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import MsgReaderPackage from '@kenjiuno/msgreader';
import { startFilingServiceDouble, startGraphDouble, trustTestCertificate, type FilingServiceDouble, type GraphDouble } from '@filing-sync/doubles';
import { devLicence, listFiles, tempDir } from '../e2e/support.js';
import { finding } from './fault-table.js';
import { CLIENT_ID, CLIENT_SECRET, TENANT_ID, TOKEN, certificateFile, killLeftoverHosts, faultHostConfig, mail, pause, seeded, startFaultHost, until } from './fault-support.js';

// The package is CommonJS; its class is the default export's default.
const MsgReader = MsgReaderPackage.default;

const FILINGS = Number(process.env.FILING_SYNC_CRASH_FILINGS ?? 2000);
const KILLS = Number(process.env.FILING_SYNC_CRASH_KILLS ?? 20);
const SEED = Number(process.env.FILING_SYNC_FAULT_SEED ?? 20261128);
/** Every how many filings one goes to the MSG location (the rest are EML). */
const MSG_EVERY = Number(process.env.FILING_SYNC_CRASH_MSG_EVERY ?? 8);

/** The subject of an Outlook message as an independent reader sees it; undefined when it does not open. */
function msgSubject(bytes: Buffer): string | undefined {
  try {
    const info = new MsgReader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)).getFileData();
    return info.error ? undefined : info.subject;
  } catch {
    return undefined;
  }
}

describe('fault: SIGKILL during a drain to a folder and the Graph double', function () {
  this.timeout(300_000);
  let filing: FilingServiceDouble | undefined;
  let graph: GraphDouble | undefined;
  before(trustTestCertificate);
  after(async () => {
    await killLeftoverHosts();
    await filing?.close();
    await graph?.close();
  });

  it(`files ${FILINGS} messages exactly once per target although the host is killed ${KILLS} times`, async () => {
    const started = Date.now();
    const root = await tempDir('filing-sync-faults-crash-');
    const random = seeded(SEED);
    graph = await startGraphDouble();
    graph.identity.register({ tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const drive = graph.addDrive('b!crash-drive', 'Crash');
    const cloud = process.env.FILING_SYNC_CRASH_CLOUD !== '0';
    const targets = {
      eml: [join(root, 'filed', 'eml'), ...(cloud ? [`onedrive://${drive.id}/Crash/eml`] : [])],
      msg: [join(root, 'filed', 'msg'), ...(cloud ? [`onedrive://${drive.id}/Crash/msg`] : [])],
    };
    filing = await startFilingServiceDouble({
      manifest: {
        tenant: 't1', token: TOKEN, filings: [],
        locations: [
          { id: 'L-EML', name: 'Crash EML', format: 'eml', targets: targets.eml },
          { id: 'L-MSG', name: 'Crash MSG', format: 'msg', targets: targets.msg },
        ],
      },
      // Short lifetimes so that a killed host's lease and reservations lapse in seconds.
      visibilityTimeoutMs: 2_000,
      leaseTtlMs: 2_000,
    });
    const raws = new Map<string, { raw: string; format: 'eml' | 'msg'; subject: string }>();
    for (let i = 0; i < FILINGS; i++) {
      const format = i % MSG_EVERY === 0 ? 'msg' : 'eml';
      // Mostly small messages, some with attachments large enough for chunked uploads.
      const attachment = i % 250 === 0 ? 1_500_000 : i % 40 === 0 ? 120_000 : 0;
      const subject = `Crash message ${i}`;
      const raw = mail(i, attachment, subject);
      raws.set(`C${i}`, { raw, format, subject });
      await filing.addFiling({ id: `C${i}`, location: format === 'msg' ? 'L-MSG' : 'L-EML', raw });
    }
    const setUpAt = Date.now();
    // The allowed root is a folder that exists (a drive or share); the target folders below it are created.
    await mkdir(join(root, 'filed'));
    const caFile = await certificateFile(root);
    const config = await faultHostConfig({
      dir: root, filing, graph, stateDir: join(root, 'state'), allowedRoots: [join(root, 'filed')], licence: await devLicence(root, 't1'),
    });

    // Kill at random moments spread over the drain: at 20 random progress points, after a random
    // extra delay, so kills land in boot, polling, rendering, uploads, renames and reports alike.
    const done = () => filing!.filings().filter((f) => f.state === 'done').length;
    const points = Array.from({ length: KILLS }, () => Math.floor(random() * FILINGS * 0.85)).sort((a, b) => a - b);
    const killedAt: number[] = [];
    for (const point of points) {
      const host = startFaultHost(config, true, caFile);
      await until(() => done() >= point || host.child.exitCode !== null, 120_000);
      await pause(Math.floor(random() * 400));
      killedAt.push(done());
      host.child.kill('SIGKILL');
      await host.exited;
    }
    // Restarted until the queue is empty; each run waits for what the killed one had reserved.
    let last = '';
    const drainFrom = Date.now();
    for (let r = 0; r < 4 && done() < FILINGS; r++) {
      const host = startFaultHost(config, true, caFile);
      await host.exited;
      last = host.output();
    }
    if (process.env.FILING_SYNC_FAULT_TIMING) process.stdout.write(`setup ${setUpAt - started} ms, kills ${drainFrom - setUpAt} ms, final drain ${Date.now() - drainFrom} ms\n`);
    expect(done(), `filings done after the restarts; last run:\n${last}`).to.equal(FILINGS);
    // Each start removes this installation's own partials before it writes: none may be left.
    const partialsAfterDrain = (await Promise.all((['eml', 'msg'] as const).map(async (k) => (await listFiles(targets[k][0]!)).map((f) => `${k}/${f}`)))).flat().filter((f) => f.includes('.partial'));
    expect(partialsAfterDrain, 'partial files left after the restarts').to.deep.equal([]);

    // Folders: one file per filing, no partials, the EML bytes unchanged and each MSG readable.
    const problems: string[] = [];
    for (const format of ['eml', 'msg'] as const) {
      const expected = [...raws.values()].filter((r) => r.format === format);
      const dir = targets[format][0]!;
      const files = await listFiles(dir);
      const partials = files.filter((f) => f.includes('.partial'));
      if (partials.length) problems.push(`${partials.length} partial files in ${dir}`);
      if (files.length !== expected.length) problems.push(`${files.length} files in ${dir}, expected ${expected.length}`);
      const cloud = drive.filesBelow(`Crash/${format}`);
      if (cloud.size !== expected.length) problems.push(`${cloud.size} files in the Graph double's Crash/${format}, expected ${expected.length}`);
      const local = await Promise.all(files.map((f) => readFile(join(dir, f))));
      for (const [where, contents] of [['folder', local], ['Graph', [...cloud.values()]]] as const) {
        if (format === 'eml') {
          const want = new Set(expected.map((e) => e.raw));
          const got = new Set(contents.map((c) => c.toString('latin1')));
          const unexpected = [...got].filter((c) => !want.has(c)).length;
          if (got.size !== contents.length || unexpected) problems.push(`${where} eml: ${contents.length - got.size} repeated, ${unexpected} not byte-identical to a filed message`);
        } else {
          const want = new Set(expected.map((e) => e.subject));
          const subjects = contents.map(msgSubject);
          const invalid = subjects.filter((s) => s === undefined || !want.has(s)).length;
          const repeated = contents.length - new Set(subjects).size;
          if (invalid || repeated) problems.push(`${where} msg: ${invalid} files do not open as messages with a filed subject, ${repeated} repeated`);
        }
      }
    }
    // Every filing reported for both its targets, always naming the same file; nothing written twice.
    let reports = 0;
    const outcomes: Record<string, number> = {};
    for (const f of filing.filings()) {
      reports += f.reports.length;
      const loc = f.location === 'L-MSG' ? targets.msg : targets.eml;
      for (const t of loc) {
        const outs = f.outcomes[t] ?? [];
        if (outs.length === 0) problems.push(`${f.id}: no outcome reported for ${t}`);
        for (const o of outs) outcomes[o.outcome] = (outcomes[o.outcome] ?? 0) + 1;
        if (new Set(outs.map((o) => o.path)).size > 1) problems.push(`${f.id}: reported with different paths for ${t}`);
        if (outs.some((o) => !['created', 'identical'].includes(o.outcome))) problems.push(`${f.id}: ${outs.map((o) => o.outcome).join(',')} for ${t}`);
      }
    }
    finding(
      'crash',
      `${FILINGS} filings (${FILINGS / MSG_EVERY} MSG) × 2 targets (folder + Graph double); SIGKILL ${killedAt.length}× at random moments (seed ${SEED}), filings done at each kill: ${killedAt.join(',')}`,
      problems.length ? problems.slice(0, 5).join('; ') : `every filing once per target, EML byte-identical, MSG valid; partials of the killed runs removed by the next start, none left; ${reports} reports (${Object.entries(outcomes).map(([k, v]) => `${v} ${k}`).join(', ')})`,
      problems.length === 0,
    );
    expect(problems).to.deep.equal([]);
    expect(killedAt.length).to.equal(KILLS);
  });
});
