import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { container } from 'tsyringe';
import { BufferContent, FileContent, Formatter, PLUGIN_API_VERSION, PermanentError } from '@filing-sync/core';
import { InvalidMessageError, MsgFormatter, convertFileToMsg, defaultWorkerCount, register } from './index.js';
import { compareWithMsgReader } from './roundtrip.test.util.js';

const fixtures = fileURLToPath(new URL('../test-fixtures/', import.meta.url));

describe('MsgFormatter', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'msg-formatter-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('registers itself under the core Formatter token as msg', () => {
    const child = container.createChildContainer();
    register(child, { apiVersion: PLUGIN_API_VERSION, manifest: { apiVersion: 1, kind: 'formatter', name: 'msg' } });
    const f = child.resolve<Formatter>(Formatter);
    expect([f.name, f.extension, f.mediaType]).to.deep.equal(['msg', '.msg', 'application/vnd.ms-outlook']);
    expect(f).to.be.instanceOf(MsgFormatter);
  });

  it('starts worker threads only for the CPUs beyond two', () => {
    expect([1, 2, 3, 4, 8, 64].map((cpus) => defaultWorkerCount(cpus))).to.deep.equal([0, 0, 1, 2, 6, 62]);
  });

  it('gives the same bytes for the same message, on the calling thread and in worker threads', async () => {
    const inThread = new MsgFormatter({ workers: 0 });
    const pooled = new MsgFormatter({ workers: 2 });
    try {
      for (const f of ['mailparser/nodemailer.eml', 'MSGReader/TestWithAttachmentsAndInlines.eml']) {
        const raw = await readFile(join(fixtures, f));
        const a = await (await inThread.render(new BufferContent(raw), { scratchDir: dir })).bytes();
        const b = await (await inThread.render(new BufferContent(raw), { scratchDir: dir })).bytes();
        const [c, d] = await Promise.all([1, 2].map(async () => (await pooled.render(new BufferContent(raw), { scratchDir: dir })).bytes()));
        expect(b.equals(a), `${f}: repeatable`).to.equal(true);
        expect(c!.equals(a) && d!.equals(a), `${f}: same in workers`).to.equal(true);
      }
    } finally {
      await pooled.close();
    }
  });

  it('reads a FileContent from disk and returns large output as a FileContent', async () => {
    const formatter = new MsgFormatter({ workers: 1, memoryOutputLimit: 1024, spoolThreshold: 1024 });
    try {
      const path = join(fixtures, 'MSGReader/TestWithAttachmentsAndInlines.eml');
      const scratchDir = await mkdtemp(join(dir, 'scratch-'));
      const out = await formatter.render(await FileContent.of(path), { scratchDir });
      expect(out).to.be.instanceOf(FileContent);
      expect(await readdir(scratchDir), 'spooled parts removed, the .msg kept').to.have.length(1);
      await compareWithMsgReader(await readFile(path), await out.bytes(), 'spooled');
    } finally {
      await formatter.close();
    }
  });

  it('asks for the scratch folder only when an in-memory message turns out too large for memory', async () => {
    const raw = await readFile(join(fixtures, 'MSGReader/TestWithAttachmentsAndInlines.eml'));
    for (const workers of [0, 1]) {
      let asked = 0;
      const scratchDir = await mkdtemp(join(dir, 'scratch-'));
      const context = { get scratchDir() { asked++; return scratchDir; } };
      const small = new MsgFormatter({ workers });
      // Room for the message but not for its .msg, which is larger.
      const tight = new MsgFormatter({ workers, memoryOutputLimit: raw.length });
      try {
        const inMemory = await small.render(new BufferContent(raw), context);
        expect(inMemory, `workers ${workers}`).to.be.instanceOf(BufferContent);
        expect(asked, `workers ${workers}: no folder for a result held in memory`).to.equal(0);
        expect(inMemory.size, 'the .msg is larger than the message').to.be.greaterThan(raw.length);
        const spilled = await tight.render(new BufferContent(raw), context);
        expect(spilled, `workers ${workers}`).to.be.instanceOf(FileContent);
        expect(asked, `workers ${workers}: asked once the result was over the limit`).to.equal(1);
        expect((await spilled.bytes()).equals(await inMemory.bytes()), `workers ${workers}: same .msg either way`).to.equal(true);
      } finally {
        await Promise.all([small.close(), tight.close()]);
      }
    }
  });

  it('keeps the calling thread turning while it converts a large message held in memory, with the same result as from a file', async () => {
    // 12 MiB of base64 in lines, parts crossing the 1 MiB slices the parser is fed in.
    const attachment = randomBytes(9 * 1024 * 1024);
    const raw = Buffer.from([
      'From: Site Office <office@example.com>', 'To: Team <team@example.com>', 'Subject: Drawings', 'Date: Sat, 28 Nov 2026 14:46:13 +0000',
      'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain; charset=utf-8', '', 'See attached.',
      '--b', 'Content-Type: application/pdf; name="drawings.pdf"', 'Content-Transfer-Encoding: base64', '',
      attachment.toString('base64').replace(/.{76}/g, '$&\r\n'), '--b--', '',
    ].join('\r\n'));
    const formatter = new MsgFormatter({ workers: 0 });
    let longest = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    const started = performance.now();
    const fromMemory = await (await formatter.render(new BufferContent(raw), { scratchDir: dir })).bytes();
    const took = performance.now() - started;
    clearInterval(ticker);
    // Written in one piece, the parser held the thread for about half the conversion.
    expect(longest, `longest stall ${longest.toFixed(0)} ms of ${took.toFixed(0)} ms`).to.be.lessThan(took / 4);
    const file = join(dir, 'large.eml');
    await writeFile(file, raw);
    const fromFile = await (await formatter.render(await FileContent.of(file), { scratchDir: await mkdtemp(join(dir, 'scratch-')) })).bytes();
    expect(fromMemory.equals(fromFile), 'same .msg from memory and from a file').to.equal(true);
    expect(fromMemory.includes(attachment.subarray(0, 4096)), 'the attachment is in the .msg').to.equal(true);
  });

  it('rejects input that is not an RFC 5322 message with a PermanentError saying what was expected', async () => {
    const formatter = new MsgFormatter({ workers: 0 });
    const bad: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['an Outlook file', await readFile(join(fixtures, 'msgreader/attachAndInline.msg'))],
      ['binary', Buffer.from([0x00, 0x01, 0x02, 0xff, 0x0a, 0x0a])],
      ['prose', Buffer.from('Dear team,\nplease find attached...\n')],
    ];
    for (const [what, raw] of bad) {
      const err = await formatter.render(new BufferContent(raw), { scratchDir: dir }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, what).to.be.instanceOf(InvalidMessageError);
      expect(err, what).to.be.instanceOf(PermanentError);
      expect((err as Error).message, what).to.match(/expected an RFC 5322 message/);
    }
  });

  it('rejects a message beyond the .msg limits with a PermanentError that says which', async () => {
    const formatter = new MsgFormatter({ workers: 0 });
    const to = Array.from({ length: 2049 }, (_, i) => `r${i}@example.com`).join(', ');
    const raw = Buffer.from(`From: a@example.com\r\nTo: ${to}\r\nSubject: too many\r\n\r\nbody\r\n`);
    const err = await formatter.render(new BufferContent(raw), { scratchDir: dir }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(PermanentError);
    expect((err as Error).message).to.match(/at most 2048 recipients/).and.to.match(/2049/);
  });

  it('keeps the error class across worker threads', async () => {
    const formatter = new MsgFormatter({ workers: 1 });
    try {
      const err = await formatter.render(new BufferContent(Buffer.from('not a mail\n')), { scratchDir: dir }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InvalidMessageError);
      expect((err as InvalidMessageError).found).to.include('not a mail');
    } finally {
      await formatter.close();
    }
  });

  it('converts a file for the CLI, naming the input file when it is not a message', async () => {
    const out = join(dir, 'out.msg');
    const size = await convertFileToMsg(join(fixtures, 'mailparser/simple.eml'), out);
    expect((await readFile(out)).length).to.equal(size);
    const badInput = join(dir, 'photo.jpg');
    await writeFile(badInput, Buffer.from('ffd8ffe000104a464946', 'hex'));
    const err = await convertFileToMsg(badInput, join(dir, 'bad.msg')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InvalidMessageError);
    expect((err as Error).message).to.include(badInput).and.to.match(/expected an RFC 5322 message/);
    const missing = await convertFileToMsg(join(dir, 'nope.eml'), join(dir, 'nope.msg')).catch((e: unknown) => e);
    expect((missing as NodeJS.ErrnoException).code).to.equal('ENOENT');
  });
});
