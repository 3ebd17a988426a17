import { expect } from 'chai';
import { mkdir, realpath, symlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startFilingServiceDouble, type FilingServiceDouble } from '@filing-sync/doubles';
import { devLicence, exists, listFiles, runHost, tempDir } from '../e2e/support.js';
import { finding } from './fault-table.js';
import { TOKEN, mail } from './fault-support.js';

describe('hostile input: a filing service that lies about targets, locations and subjects', function () {
  this.timeout(120_000);
  let filing: FilingServiceDouble | undefined;
  after(() => filing?.close());

  it('refuses or makes safe every escape, and writes nothing outside the allowed roots', async () => {
    // The whole tree the test watches: the allowed root, a folder beside it, and names one and two levels up.
    const tree = await tempDir('filing-sync-faults-lies-');
    const allowed = join(tree, 'allowed');
    const outside = join(tree, 'outside');
    await mkdir(allowed);
    await mkdir(outside);
    await symlink(outside, join(allowed, 'link-out'));
    const escapeName = `filing-sync-escape-${randomBytes(6).toString('hex')}`;
    const escapeTmp = join(tmpdir(), escapeName);
    const safe = join(allowed, 'safe');

    // What the lying service claims: each location's targets.
    const lies: { id: string; name: string; targets: string[]; expect: 'refused' | 'filed' }[] = [
      { id: 'L-outside', name: 'Outside', targets: [outside], expect: 'refused' },
      { id: 'L-dotdot', name: 'Dot dot', targets: [`${allowed}/../outside`], expect: 'refused' },
      { id: 'L-dotdot-up', name: 'Up and out', targets: [`${allowed}/../../${escapeName}`], expect: 'refused' },
      { id: 'L-encoded', name: 'Encoded dots', targets: [`${pathToFileURL(allowed).href}/%2e%2e/outside`], expect: 'refused' },
      { id: 'L-encoded-sep', name: 'Encoded separator', targets: [`${pathToFileURL(allowed).href}/..%2f..%2f${escapeName}`], expect: 'refused' },
      { id: 'L-absolute', name: 'Absolute', targets: [escapeTmp], expect: 'refused' },
      { id: 'L-relative', name: 'Relative', targets: [`../${escapeName}`], expect: 'refused' },
      { id: 'L-windows', name: 'Windows', targets: [`C:\\Windows\\System32\\${escapeName}`], expect: 'refused' },
      { id: 'L-link', name: 'Link', targets: [join(allowed, 'link-out', 'email')], expect: 'refused' },
      { id: 'L-names', name: `../../${escapeName}/..\\..\\evil:name`, targets: [safe], expect: 'filed' },
    ];
    // Subjects that try to climb out or break the name, all filed to the safe target.
    const subjects = [
      `../../../../${escapeName}/evil`, `..\\..\\..\\${escapeName}\\evil`, `/etc/${escapeName}`, `C:\\Windows\\${escapeName}`, '..', '.', 'CON',
      `x${'/..'.repeat(50)}`, 'tab\tcr\rlf\nnul\0end', `${'Very long subject '.repeat(6_000)}end`, `${'€'.repeat(100_000)}`,
    ];
    filing = await startFilingServiceDouble({
      manifest: { tenant: 't1', token: TOKEN, filings: [], locations: lies.map((l) => ({ id: l.id, name: l.name, format: 'eml', targets: l.targets })) },
    });
    let n = 0;
    for (const l of lies) await filing.addFiling({ id: `${l.id}-${n}`, location: l.id, raw: mail(n++) });
    for (const s of subjects) {
      // Raw header bytes as a hostile sender would send them (folding only where the value has CR/LF).
      await filing.addFiling({ id: `subject-${n}`, location: 'L-names', raw: mail(n++, 0, s.replace(/\r?\n|\r/g, ' ')) });
    }
    // State and licence live apart from the watched tree, so that every new file in it is a filing.
    const work = await tempDir('filing-sync-faults-lies-state-');
    const before = await listFiles(tree);
    const r = await runHost(
      ['run', '--once', '--source-url', filing.url, '--tenant', 't1', '--state-dir', join(work, 'state'), '--allow-root', allowed, '--license', await devLicence(work, 't1')],
      { FILING_SYNC_TOKEN: TOKEN },
    );

    const problems: string[] = [];
    // Nothing new anywhere in the tree except below the allowed root.
    const after = await listFiles(tree);
    const added = after.filter((f) => !before.includes(f));
    const realAllowed = await realpath(allowed);
    for (const f of added) {
      const real = await realpath(join(tree, f));
      if (relative(realAllowed, real).startsWith('..') || relative(realAllowed, real).startsWith(sep)) problems.push(`written outside the allowed root: ${f}`);
    }
    if ((await listFiles(outside)).length) problems.push(`files in the outside folder: ${(await listFiles(outside)).join(', ')}`);
    for (const p of [escapeTmp, join(tree, '..', escapeName), join('/etc', escapeName), join(tmpdir(), '..', escapeName)]) if (await exists(p)) problems.push(`${p} exists`);

    // The service hears about every filing: refused targets with a reason, the rest filed under one safe name.
    const safeFiles = await listFiles(safe);
    let refused = 0;
    for (const f of filing.filings()) {
      const l = lies.find((x) => x.id === f.location)!;
      for (const t of l.targets) {
        const out = f.outcomes[t]?.at(-1);
        if (!out) problems.push(`${f.id}: no outcome reported for ${t}`);
        else if (l.expect === 'refused') {
          if (!['failed', 'skipped'].includes(out.outcome) || !out.reason) problems.push(`${f.id}: ${out.outcome} for ${t}, expected a refusal with a reason`);
          else refused++;
        } else if (out.outcome !== 'created' || !safeFiles.includes(out.path!.split(/[\\/]/).pop()!)) problems.push(`${f.id}: ${out.outcome} ${out.path ?? out.reason}`);
      }
    }
    const safeFiled = filing.filings().filter((f) => f.location === 'L-names').length;
    if (safeFiles.length !== safeFiled) problems.push(`${safeFiles.length} files in the safe target for ${safeFiled} filings`);
    if (safeFiles.some((f) => f.includes('/') || f.includes('\\') || f.startsWith('.') || /[\0-\x1f]/.test(f))) problems.push(`unsafe names: ${safeFiles.filter((f) => f.includes('/') || f.startsWith('.')).join(', ')}`);
    const longest = Math.max(...safeFiles.map((f) => Buffer.byteLength(f)));
    if (longest > 255) problems.push(`a name of ${longest} bytes`);
    finding(
      'lying service',
      `${lies.length - 1} hostile targets (outside root, .., %2e%2e, %2f, absolute, relative, C:\\, symlink out), a location name with separators, ${subjects.length} hostile subjects (up to ${Math.round(Math.max(...subjects.map((s) => s.length)) / 1000)}k chars)`,
      problems.length
        ? problems.slice(0, 5).join('; ')
        : `${refused} targets refused with a reason (failed/skipped); ${safeFiles.length} filed under single safe names (longest ${longest} bytes); nothing new in the watched tree outside the allowed root, no escape paths exist; host exit ${r.code}`,
      problems.length === 0,
    );
    expect(problems).to.deep.equal([]);
  });
});
