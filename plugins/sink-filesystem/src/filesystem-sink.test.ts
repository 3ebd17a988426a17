import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BufferContent,
  FileContent,
  NameTemplate,
  PermanentError,
  PermissionDenied,
  TargetMissing,
  TransientError,
  makeFileName,
  placeFile,
} from '@filing-sync/core';
import { FilesystemSink, filesystemPathRules, type PublishOps } from './filesystem-sink.js';
import { cleanupPartials } from './cleanup-partials.js';

const sent = new Date('2026-11-28T14:46:13Z');
const bytes = (text: string): BufferContent => new BufferContent(Buffer.from(text));
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

let base: string;

function sinkAt(folder: string, extra: Partial<ConstructorParameters<typeof FilesystemSink>[0]> = {}): FilesystemSink {
  return new FilesystemSink({ folder, root: base, allowedRoots: [base], partialMaxAgeMs: 60_000, ...extra });
}

async function partialsIn(folder: string): Promise<string[]> {
  return (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.partial'));
}

/** Makes a folder really unwritable even for root: the immutable attribute. */
function chattr(flag: '+i' | '-i', folder: string): boolean {
  return spawnSync('chattr', [flag, folder]).status === 0;
}

describe('FilesystemSink', () => {
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'fs-sink-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('declares Windows path rules, sha256, atomic create and modified times', () => {
    const sink = sinkAt(path.join(base, 'a'));
    expect(sink.capabilities).to.deep.include({ hashKind: 'sha256', atomicCreate: true, setsModifiedTime: true });
    expect(sink.capabilities.pathRules.forbiddenChars).to.equal('<>:"/\\|?*');
    expect(sink.capabilities.pathRules.reservedNames).to.include('NUL');
    expect(filesystemPathRules('win32').lengthUnit).to.equal('utf16');
    expect(filesystemPathRules('linux').lengthUnit).to.equal('utf8');
    expect(sink.folderPathLength).to.equal(Buffer.byteLength(path.join(base, 'a') + path.sep));
  });

  it('creates missing folders and writes the exact bytes with the sent time, leaving no partial', async () => {
    const folder = path.join(base, 'Projects', 'Surrey Court', 'email');
    const sink = sinkAt(folder);
    const result = await sink.create('20261128T144613Z Site visit notes.eml', bytes('hello world'), { modifiedAt: sent });
    expect(result.created).to.equal(true);
    const file = path.join(folder, '20261128T144613Z Site visit notes.eml');
    // Before reading it: a read may move atime on.
    const s = await lstat(file);
    expect(s.mtime.getTime()).to.equal(sent.getTime());
    expect(s.atime.getTime()).to.equal(sent.getTime());
    expect(await readFile(file, 'utf8')).to.equal('hello world');
    expect(await partialsIn(folder)).to.deep.equal([]);
    if (result.created) expect(result.entry).to.deep.include({ name: '20261128T144613Z Site visit notes.eml', path: file, size: 11, hash: sha256('hello world') });
  });

  it('copies a large spooled message in the kernel, byte for byte, with the sent time and no partial left', async () => {
    const sink = sinkAt(base);
    const spooled = path.join(base, '..', `spool-${path.basename(base)}.eml`);
    const big = Buffer.alloc(9 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) % 256;
    await writeFile(spooled, big);
    try {
      const content = await FileContent.of(spooled);
      expect(content.localPath).to.equal(spooled);
      const result = await sink.create('big.eml', content, { modifiedAt: sent });
      expect(result.created).to.equal(true);
      const written = await readFile(path.join(base, 'big.eml'));
      expect(written.equals(big)).to.equal(true);
      expect((await lstat(path.join(base, 'big.eml'))).mtime.toISOString()).to.equal(sent.toISOString());
      expect(await partialsIn(base)).to.deep.equal([]);
      expect(result.created && result.entry.hash).to.equal(createHash('sha256').update(big).digest('hex'));
    } finally {
      await rm(spooled, { force: true });
    }
  });

  it('never replaces: a taken name gives created:false with the existing file and its hash', async () => {
    const sink = sinkAt(base);
    await writeFile(path.join(base, 'a.eml'), 'first');
    const result = await sink.create('a.eml', bytes('second'), { modifiedAt: sent });
    expect(result.created).to.equal(false);
    if (!result.created) expect(result.existing).to.deep.include({ name: 'a.eml', size: 5, hash: sha256('first') });
    expect(await readFile(path.join(base, 'a.eml'), 'utf8')).to.equal('first');
    expect(await partialsIn(base)).to.deep.equal([]);
  });

  it('lets exactly one of many concurrent writers of one name win', async () => {
    const sink = sinkAt(path.join(base, 'race'));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => sink.create('same.eml', bytes(`writer ${i}`), { modifiedAt: sent })),
    );
    const winners = results.filter((r) => r.created);
    expect(winners).to.have.length(1);
    const stored = await readFile(path.join(base, 'race', 'same.eml'), 'utf8');
    expect(stored).to.match(/^writer \d$/);
    expect(await partialsIn(path.join(base, 'race'))).to.deep.equal([]);
  });

  it('works with placeFile: identical, then renamed', async () => {
    const sink = sinkAt(base);
    const name = '20261128T144613Z Notes.eml';
    expect((await placeFile(sink, name, bytes('one'), { modifiedAt: sent })).outcome).to.equal('created');
    expect((await placeFile(sink, name, bytes('one'), { modifiedAt: sent })).outcome).to.equal('identical');
    const renamed = await placeFile(sink, name, bytes('two'), { modifiedAt: sent });
    expect(renamed).to.include({ outcome: 'renamed', name: '20261128T144613Z Notes (2).eml' });
    expect((await readdir(base)).sort()).to.deep.equal(['20261128T144613Z Notes (2).eml', name]);
  });

  it('treats names differing only in case as one name, also for files written by this sink and by others since', async () => {
    const sink = sinkAt(base);
    expect((await placeFile(sink, 'Site Notes.eml', bytes('one'), { modifiedAt: sent })).outcome).to.equal('created');
    // Written by this sink a moment ago: known without listing the folder again.
    expect(await placeFile(sink, 'site notes.eml', bytes('one'), { modifiedAt: sent })).to.include({ outcome: 'identical', name: 'Site Notes.eml' });
    // Written by someone else: found once the folder is listed again (at most two seconds later).
    await writeFile(path.join(base, 'PLAN.eml'), 'plan');
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await placeFile(sink, 'plan.eml', bytes('plan'), { modifiedAt: sent })).to.include({ outcome: 'identical', name: 'PLAN.eml' });
    expect(await placeFile(sink, 'Plan.eml', bytes('other'), { modifiedAt: sent })).to.include({ outcome: 'renamed', name: 'Plan (2).eml' });
    expect((await readdir(base)).sort()).to.deep.equal(['PLAN.eml', 'Plan (2).eml', 'Site Notes.eml']);
  });

  it('writes every hostile subject as one file, named as listed, with a 255-byte name at most', async () => {
    const sink = sinkAt(path.join(base, 'hostile'));
    const subjects = ['..', '.', 'CON', 'nul.txt', 'a/b\\c', 'what?*<>|"', 'dots and spaces. . ', 'bell\u0007\u0000esc',
      'tab\there\r\nnewline', 'Roof 🏠 leak', '現場視察メモ', 'تقرير الزيارة', '現'.repeat(300), ''];
    const written: string[] = [];
    for (const subject of subjects) {
      for (const template of [NameTemplate.default, NameTemplate.parse('{subject}')]) {
        const name = makeFileName({ sentAt: sent, filedAt: sent, subject }, {
          template, extension: '.eml', rules: sink.capabilities.pathRules, folderPathLength: sink.folderPathLength,
        });
        const placed = await placeFile(sink, name, bytes(`${subject}|${template.source}`), { modifiedAt: sent });
        written.push(placed.name);
        expect(Buffer.byteLength(placed.name)).to.be.at.most(255);
      }
    }
    expect((await readdir(path.join(base, 'hostile'))).sort()).to.deep.equal([...written].sort());
  });

  it('stat: undefined when absent, no hash for a folder of that name', async () => {
    const sink = sinkAt(base);
    expect(await sink.stat('none.eml')).to.equal(undefined);
    await mkdir(path.join(base, 'dir.eml'));
    const entry = await sink.stat('dir.eml');
    expect(entry).to.include({ name: 'dir.eml', size: 0 });
    expect(entry?.hash).to.equal(undefined);
    const r = await placeFile(sink, 'dir.eml', bytes('x'), { modifiedAt: sent });
    expect(r).to.include({ outcome: 'renamed', name: 'dir (2).eml' });
  });

  it('check: writable (creating the folder), missing when the allowed root does not exist', async () => {
    const folder = path.join(base, 'new', 'deeper');
    expect(await sinkAt(folder).check()).to.equal('writable');
    expect((await lstat(folder)).isDirectory()).to.equal(true);
    expect(await readdir(folder)).to.deep.equal([]);
    const root = path.join(base, 'unmounted-share');
    const missing = sinkAt(path.join(root, 'x'), { root, allowedRoots: [root] });
    expect(await missing.check()).to.equal('missing');
    const err = await missing.create('a.eml', bytes('x'), { modifiedAt: sent }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TargetMissing);
    expect(await lstat(root).catch((e: NodeJS.ErrnoException) => e.code)).to.equal('ENOENT');
  });

  it('refuses a folder that a symlink leads outside the allowed roots', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'fs-outside-'));
    try {
      await symlink(outside, path.join(base, 'link'));
      const sink = sinkAt(path.join(base, 'link', 'email'));
      expect(await sink.check()).to.equal('denied');
      const err = await sink.create('a.eml', bytes('x'), { modifiedAt: sent }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(PermissionDenied);
      expect((err as Error).message).to.include('outside the allowed roots');
      // Not even the folder was made through the link.
      expect(await readdir(outside)).to.deep.equal([]);
      // Nor does recover() remove anything out there.
      const stray = '.report.eml.0123456789abcdef.partial';
      await writeFile(path.join(outside, stray), 'x');
      expect(await sinkAt(path.join(base, 'link'), { partialMaxAgeMs: 0 }).recover().catch((e: unknown) => e)).to.be.instanceOf(PermissionDenied);
      expect(await readdir(outside)).to.deep.equal([stray]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('an immutable folder (chattr +i) is denied: check says denied, create rejects PermissionDenied, nothing left', async function () {
    const folder = path.join(base, 'locked');
    await mkdir(folder);
    if (!chattr('+i', folder)) {
      this.skip(); // reason: chattr +i is not supported on this filesystem (needs ext4/xfs/btrfs and root)
    }
    try {
      const sink = sinkAt(folder);
      expect(await sink.check()).to.equal('denied');
      const err = await sink.create('a.eml', bytes('x'), { modifiedAt: sent }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(PermissionDenied);
      expect(await readdir(folder)).to.deep.equal([]);
    } finally {
      chattr('-i', folder);
    }
  });

  it('EACCES from mode bits that deny the account maps to denied / PermissionDenied', async function () {
    const folder = path.join(base, 'read-only');
    await mkdir(folder, { mode: 0o755 });
    if (process.getuid?.() !== 0) {
      // Not root: mode bits work directly.
      await chmod(folder, 0o555);
      const sink = sinkAt(folder);
      expect(await sink.check()).to.equal('denied');
      expect(await sink.create('a.eml', bytes('x'), { modifiedAt: sent }).catch((e: unknown) => e)).to.be.instanceOf(PermissionDenied);
      return;
    }
    // Root ignores mode bits through its DAC override capabilities: run the same check in a child
    // without them. It stays root, so it can still read this checkout wherever it lies.
    await chmod(folder, 0o555);
    const script = `
      import { FilesystemSink } from ${JSON.stringify(new URL('./filesystem-sink.js', import.meta.url).href)};
      import { BufferContent } from '@filing-sync/core';
      const sink = new FilesystemSink({ folder: ${JSON.stringify(folder)}, root: ${JSON.stringify(base)}, allowedRoots: [${JSON.stringify(base)}], partialMaxAgeMs: 60000 });
      const access = await sink.check();
      const err = await sink.create('a.eml', new BufferContent(Buffer.from('x')), { modifiedAt: new Date() }).catch((e) => e);
      console.log(JSON.stringify({ access, error: err?.name, cause: err?.cause?.code }));`;
    const child = spawnSync('setpriv', ['--bounding-set=-dac_override,-dac_read_search', process.execPath, '--input-type=module', '-e', script], {
      encoding: 'utf8', cwd: path.dirname(new URL(import.meta.url).pathname),
    });
    if (child.error || (child.status !== 0 && /setpriv/.test(child.stderr))) {
      this.skip(); // reason: setpriv is not available to drop root's DAC override here
    }
    expect(child.status, child.stderr).to.equal(0);
    expect(JSON.parse(child.stdout.trim())).to.deep.equal({ access: 'denied', error: 'PermissionDenied', cause: 'EACCES' });
  });

  it('retries a publish blocked by a busy file briefly, then succeeds', async () => {
    let calls = 0;
    const { link, rename } = await import('node:fs/promises');
    const ops: PublishOps = {
      async link(a, b) {
        calls++;
        if (calls <= 2) throw Object.assign(new Error('busy'), { code: 'EBUSY' });
        await link(a, b);
      },
      rename,
    };
    const sink = sinkAt(base, { ops });
    const r = await sink.create('a.eml', bytes('x'), { modifiedAt: sent });
    expect(r.created).to.equal(true);
    expect(calls).to.equal(3);
    expect(await partialsIn(base)).to.deep.equal([]);
  });

  it('gives up on a file that stays busy with TransientError, removing the partial', async () => {
    const { rename } = await import('node:fs/promises');
    const ops: PublishOps = { link: async () => { throw Object.assign(new Error('busy'), { code: 'EBUSY' }); }, rename };
    const err = await sinkAt(base, { ops }).create('a.eml', bytes('x'), { modifiedAt: sent }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TransientError);
    expect(await readdir(base)).to.deep.equal([]);
  });

  it('falls back to check-then-rename where the filesystem has no hard links', async () => {
    let renames = 0;
    const fsp = await import('node:fs/promises');
    const ops: PublishOps = {
      link: async () => { throw Object.assign(new Error('no links'), { code: 'ENOTSUP' }); },
      rename: async (a, b) => { renames++; await fsp.rename(a, b); },
    };
    const sink = sinkAt(base, { ops });
    expect((await sink.create('a.eml', bytes('x'), { modifiedAt: sent })).created).to.equal(true);
    expect(renames).to.equal(1);
    expect(await readFile(path.join(base, 'a.eml'), 'utf8')).to.equal('x');
    expect((await lstat(path.join(base, 'a.eml'))).mtime.getTime()).to.equal(sent.getTime());
  });

  it('rejects a name too long for the filesystem with PermanentError, and a path as a name', async () => {
    const sink = sinkAt(base);
    const long = `${'x'.repeat(300)}.eml`;
    expect(await sink.create(long, bytes('x'), { modifiedAt: sent }).catch((e: unknown) => e)).to.be.instanceOf(PermanentError);
    for (const bad of ['..', 'a/b.eml', '']) {
      expect(await sink.create(bad, bytes('x'), { modifiedAt: sent }).catch((e: unknown) => e), bad).to.be.instanceOf(PermanentError);
    }
    expect(await readdir(base)).to.deep.equal([]);
  });

  it('an aborted write leaves nothing behind', async () => {
    const controller = new AbortController();
    const big = new BufferContent(Buffer.alloc(1024 * 1024, 1));
    const sink = sinkAt(base);
    const pending = sink.create('big.eml', big, { modifiedAt: sent, signal: controller.signal });
    controller.abort();
    expect(await pending.catch((e: unknown) => e)).to.be.instanceOf(Error);
    expect(await readdir(base)).to.deep.equal([]);
  });

  it('recover and cleanupPartials remove only this sink\'s partials, once they are old enough', async () => {
    const folder = path.join(base, 'crashed');
    await mkdir(folder);
    const stale = '.20261128T144613Z a.eml.0123456789abcdef.partial';
    const fresh = '.20261128T144613Z b.eml.fedcba9876543210.partial';
    const foreign = 'someone.else.partial';
    for (const n of [stale, fresh, foreign, 'kept.eml']) await writeFile(path.join(folder, n), 'x');
    const sink = sinkAt(folder);
    expect(await sink.recover()).to.equal(0);
    // ctime cannot be set back, so the clock is moved forward instead.
    expect(await cleanupPartials(folder, { olderThanMs: 60_000, now: Date.now() + 120_000 })).to.equal(2);
    expect((await readdir(folder)).sort()).to.deep.equal(['kept.eml', foreign].sort());
    expect(await cleanupPartials(path.join(base, 'does-not-exist'))).to.equal(0);
  });

  it('recover removes this installation\'s own partials at once, and leaves another connector\'s fresh ones', async () => {
    const folder = path.join(base, 'restarted');
    await mkdir(folder);
    const own = '.20261128T144613Z a.eml.a1b2c3d40123abcd.partial';
    const other = '.20261128T144613Z b.eml.ffff00000123abcd.partial';
    for (const n of [own, other, 'kept.eml']) await writeFile(path.join(folder, n), 'x');
    // As if the process had started after these were written: left over from an earlier run.
    const sink = new FilesystemSink({ folder, root: base, allowedRoots: [base], partialMaxAgeMs: 600_000, instanceId: 'a1b2c3d4', ownPartialsBefore: Date.now() + 1000 });
    expect(await sink.recover()).to.equal(1);
    expect((await readdir(folder)).sort()).to.deep.equal(['kept.eml', other].sort());
    // Its own partials carry the mark.
    const written = await sink.create('c.eml', new BufferContent(Buffer.from('hi')), { modifiedAt: sent });
    expect(written.created).to.equal(true);
  });

  it("leaves this installation's own partials from since the process started, which may be in progress", async () => {
    const folder = path.join(base, 'two-targets');
    await mkdir(folder);
    // Another target naming the same folder (another spelling) is writing this right now.
    const inProgress = '.20261128T144613Z big.eml.a1b2c3d40123abcd.partial';
    await writeFile(path.join(folder, inProgress), 'x');
    const sink = new FilesystemSink({ folder, root: base, allowedRoots: [base], partialMaxAgeMs: 600_000, instanceId: 'a1b2c3d4' });
    expect(await sink.recover()).to.equal(0);
    expect(await readdir(folder)).to.deep.equal([inProgress]);
  });

  it('without hard links, lets one of two filings of one name in at a time, so neither replaces the other', async () => {
    const fsp = await import('node:fs/promises');
    const ops: PublishOps = {
      link: async () => { throw Object.assign(new Error('no links'), { code: 'ENOTSUP' }); },
      // A slow share: the other writer's check falls inside this one's rename.
      rename: async (a, b) => { await new Promise((r) => setTimeout(r, 20)); await fsp.rename(a, b); },
    };
    const sink = sinkAt(base, { ops });
    const results = await Promise.all(['sender copy', 'recipient copy'].map((text) => sink.create('a.eml', bytes(text), { modifiedAt: sent })));
    expect(results.map((r) => r.created).sort()).to.deep.equal([false, true]);
    const winner = results.findIndex((r) => r.created);
    expect(await readFile(path.join(base, 'a.eml'), 'utf8')).to.equal(['sender copy', 'recipient copy'][winner]);
    expect(await partialsIn(base)).to.deep.equal([]);
  });

  it('falls back to check-then-rename on Windows where linking fails with EISDIR (FAT, exFAT, some shares)', async () => {
    const fsp = await import('node:fs/promises');
    const ops: PublishOps = { link: async () => { throw Object.assign(new Error('EISDIR: link'), { code: 'EISDIR' }); }, rename: fsp.rename };
    const r = await sinkAt(base, { ops, platform: 'win32' }).create('a.eml', bytes('x'), { modifiedAt: sent });
    expect(r.created).to.equal(true);
    expect(await readFile(path.join(base, 'a.eml'), 'utf8')).to.equal('x');
  });

  it('names the partial of a name whose first character alone is longer than a partial may hold so that clean-up finds it', async () => {
    const fsp = await import('node:fs/promises');
    let partial = '';
    const ops: PublishOps = { link: async (a, b) => { partial = path.basename(a); await fsp.link(a, b); }, rename: fsp.rename };
    // One letter with 120 combining accents: 241 bytes, a single character cluster.
    const name = `a${'\u0301'.repeat(120)}.eml`;
    expect((await sinkAt(base, { ops }).create(name, bytes('x'), { modifiedAt: sent })).created).to.equal(true);
    expect(partial).to.match(/^\.message\.[0-9a-f]{16}\.partial$/);
  });

  it('never publishes a file the disk cut short, even on the last piece of a streamed write', function () {
    // RLIMIT_FSIZE stands in for a full disk: the last 64 KiB piece of a 9 MiB + 64 KiB message is written only half.
    const script = `
      import { FilesystemSink } from ${JSON.stringify(new URL('./index.js', import.meta.url).href)};
      import { BufferContent } from '@filing-sync/core';
      import { readdir } from 'node:fs/promises';
      const dir = process.argv[1];
      const sink = new FilesystemSink({ folder: dir, root: dir, allowedRoots: [dir], partialMaxAgeMs: 60000 });
      const result = await sink.create('big.msg', new BufferContent(Buffer.alloc(9 * 1024 * 1024 + 64 * 1024, 97)), { modifiedAt: new Date() })
        .then((r) => 'created ' + r.created, (e) => e.constructor.name);
      console.log(JSON.stringify({ result, files: await readdir(dir) }));`;
    const child = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 9248; exec "${process.execPath}" --input-type=module -e "$0" "$1"`, script, base], {
      encoding: 'utf8', cwd: path.dirname(new URL(import.meta.url).pathname),
    });
    expect(child.stderr).to.equal('');
    const { result, files } = JSON.parse(child.stdout) as { result: string; files: string[] };
    expect(result).to.equal('PermanentError');
    expect(files).to.deep.equal([]);
  });
});
