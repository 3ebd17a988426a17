import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFilingServiceDouble, type FilingServiceDouble } from '@filing-sync/doubles';
import { devLicence, listFiles, runHost, tempDir } from '../e2e/support.js';
import { finding } from './fault-table.js';
import { TOKEN, mail } from './fault-support.js';

const FILINGS = 24;
/** Each message carries this much attachment (about 1.37 times as much base64 on disk). */
const ATTACHMENT = 150_000;

/** Mounts a tmpfs of `size` at `dir`; false when this machine does not let us. */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('fault: the target disk fills up', function () {
  this.timeout(180_000);
  let filing: FilingServiceDouble | undefined;
  let mounted: string | undefined;
  after(async () => {
    await filing?.close();
    if (mounted) execFileSync('umount', ['-l', mounted], { stdio: 'ignore' });
  });

  it('keeps filings pending with nothing half-written while the disk is full, and files them when space returns', async function () {
    const root = await tempDir('filing-sync-faults-disk-');
    const disk = join(root, 'disk');
    await mkdir(disk);
    // A real full file system: a 1 MiB tmpfs (needs root, as in CI); without it the part is not run.
    if (!mountTmpfs(disk, '1m')) {
      finding('disk full', 'a 1 MiB tmpfs as the target', 'not run: mount(8) refused here (not root?)', false);
      this.skip();
    }
    mounted = disk;
    const target = join(disk, 'email');
    filing = await startFilingServiceDouble({
      manifest: { tenant: 't1', token: TOKEN, filings: [], locations: [{ id: 'L1', name: 'Disk', format: 'eml', targets: [target] }] },
      visibilityTimeoutMs: 1_000,
    });
    const raws = new Set<string>();
    for (let i = 0; i < FILINGS; i++) {
      const raw = mail(i, ATTACHMENT);
      raws.add(raw);
      await filing.addFiling({ id: `D${i}`, location: 'L1', raw });
    }
    // Quick retries: a full disk is transient, but the drain should not spend a minute on it.
    const config = join(root, 'config.json');
    await writeFile(config, JSON.stringify({ retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 200 }, poll: { intervalSeconds: 0.5 }, log: { level: 'warn', files: { enabled: false } } }));
    const args = ['run', '--once', '--config', config, '--source-url', filing.url, '--tenant', 't1', '--state-dir', join(root, 'state'), '--allow-root', disk, '--license', await devLicence(root, 't1')];

    const full = await runHost(args, { FILING_SYNC_TOKEN: TOKEN });
    const problems: string[] = [];
    const check = async (when: string) => {
      const files = await listFiles(target);
      const partials = files.filter((f) => f.includes('.partial'));
      if (partials.length) problems.push(`${when}: ${partials.length} partial files`);
      const whole = files.filter((f) => !f.includes('.partial'));
      const contents = await Promise.all(whole.map(async (f) => (await readFile(join(target, f))).toString('latin1')));
      const broken = contents.filter((c) => !raws.has(c)).length;
      if (broken) problems.push(`${when}: ${broken} files are not a whole filed message`);
      return whole.length;
    };
    const writtenWhileFull = await check('disk full');
    const doneWhileFull = filing.filings().filter((f) => f.state === 'done').length;
    const reportedFailed = filing.filings().filter((f) => Object.values(f.outcomes).flat().some((o) => o.outcome !== 'created')).length;
    if (full.code !== 1) problems.push(`the run on a full disk exited ${full.code}, expected 1 (filings left pending)`);
    if (!/ENOSPC|space/i.test(full.output)) problems.push('the run on a full disk did not say the disk is full');
    if (doneWhileFull !== writtenWhileFull) problems.push(`${doneWhileFull} filings done but ${writtenWhileFull} files written`);
    if (doneWhileFull >= FILINGS) problems.push('the disk never filled up');
    if (reportedFailed) problems.push(`${reportedFailed} filings were reported with an outcome other than created while the disk was full`);

    // Space returns: the same file system, grown.
    execFileSync('mount', ['-o', 'remount,size=16m', disk]);
    const again = await runHost(args, { FILING_SYNC_TOKEN: TOKEN });
    if (again.code !== 0) problems.push(`the run after space returned exited ${again.code}: ${again.output.slice(-500)}`);
    const writtenAfter = await check('space back');
    if (writtenAfter !== FILINGS) problems.push(`${writtenAfter} of ${FILINGS} filed after space returned`);
    const notDone = filing.filings().filter((f) => f.state !== 'done' || f.outcomes[target]!.some((o) => o.outcome !== 'created')).length;
    if (notDone) problems.push(`${notDone} filings not done (or not created) after space returned`);

    finding(
      'disk full',
      `${FILINGS} messages of ~${Math.round((ATTACHMENT * 1.37) / 1000)} kB to a 1 MiB tmpfs, then remounted at 16 MiB`,
      problems.length
        ? problems.join('; ')
        : `full: ${writtenWhileFull} filed, ${FILINGS - writtenWhileFull} pending (exit 1, ENOSPC logged), none reported failed, no partial or truncated file; after remount: all ${FILINGS} filed once`,
      problems.length === 0,
    );
    expect(problems).to.deep.equal([]);
  });
});
