import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { watch } from 'node:fs';
import { MailParser } from 'mailparser';
import { expect } from 'chai';
import { container } from 'tsyringe';
import { BufferContent, FileContent, Formatter, PLUGIN_API_VERSION, PermanentError } from '@filing-sync/core';
import { InvalidMessageError, MsgFormatter, convertFileToMsg, defaultWorkerCount, register } from './index.js';
import { compareWithMsgReader } from './roundtrip.test.util.js';

const fixtures = fileURLToPath(new URL('../test-fixtures/', import.meta.url));

/** A message with a short text body and `attachment` as a base64 PDF in 76-character lines. */
function withAttachment(attachment: Buffer): Buffer {
  return Buffer.from([
    'From: Site Office <office@example.com>', 'To: Team <team@example.com>', 'Subject: Drawings', 'Date: Sat, 28 Nov 2026 14:46:13 +0000',
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain; charset=utf-8', '', 'See attached.',
    '--b', 'Content-Type: application/pdf; name="drawings.pdf"', 'Content-Transfer-Encoding: base64', '',
    attachment.toString('base64').replace(/.{76}/g, '$&\r\n'), '--b--', '',
  ].join('\r\n'));
}

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

  it('feeds a large message held in memory to the parser in 1 MiB slices, with the same result as from a file', async () => {
    // The parser handles a write in one go: 14 MiB written at once held the calling thread for about 140 ms.
    const attachment = randomBytes(10 * 1024 * 1024);
    const raw = withAttachment(attachment);
    const formatter = new MsgFormatter({ workers: 0 });
    const writes: number[] = [];
    const own = Object.prototype.hasOwnProperty.call(MailParser.prototype, 'write');
    const write = MailParser.prototype.write;
    MailParser.prototype.write = function (this: MailParser, chunk: Buffer, ...rest: unknown[]) {
      writes.push(chunk.length);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof write;
    let fromMemory: Buffer;
    try {
      fromMemory = await (await formatter.render(new BufferContent(raw), { scratchDir: dir })).bytes();
    } finally {
      if (own) MailParser.prototype.write = write;
      else delete (MailParser.prototype as Partial<MailParser>).write;
    }
    expect(writes.length, 'more than one write').to.be.greaterThan(1);
    expect(Math.max(...writes), 'no write over 1 MiB').to.be.at.most(1024 * 1024);
    expect(writes.reduce((a, b) => a + b, 0), 'every byte written once').to.equal(raw.length);
    const file = join(dir, 'large.eml');
    await writeFile(file, raw);
    const fromFile = await (await formatter.render(await FileContent.of(file), { scratchDir: await mkdtemp(join(dir, 'scratch-')) })).bytes();
    expect(fromMemory.equals(fromFile), 'same .msg from memory and from a file').to.equal(true);
    expect(fromMemory.includes(attachment.subarray(0, 4096)), 'the attachment is in the .msg').to.equal(true);
  });

  it('stops waiting for a conversion in a worker when the signal aborts, keeps the thread, and removes the .msg written late', async () => {
    const raw = withAttachment(randomBytes(2 * 1024 * 1024));
    // The worker reads the message from a named pipe, so its conversion cannot end before the test writes into it;
    // a small output limit makes its .msg a file in the scratch folder.
    const pipe = join(dir, 'survey.pipe');
    execFileSync('mkfifo', [pipe]);
    const formatter = new MsgFormatter({ workers: 1, memoryOutputLimit: 1024 * 1024 });
    const scratchDir = await mkdtemp(join(dir, 'scratch-'));
    const created: string[] = [];
    const watcher = watch(scratchDir, (_event, name) => {
      if (name?.endsWith('.msg')) created.push(name);
    });
    try {
      const small = await readFile(join(fixtures, 'mailparser/nodemailer.eml'));
      const first = await (await formatter.render(new BufferContent(small), { scratchDir: dir })).bytes();
      const controller = new AbortController();
      const rendering = formatter.render(await FileContent.of(pipe), { scratchDir, signal: controller.signal });
      controller.abort(new Error('stopping'));
      const err = await rendering.then(() => undefined, (e: unknown) => e);
      expect((err as Error)?.message, 'rejects with the reason of the abort').to.equal('stopping');
      // The thread was not ended: it converts the next message while the given-up one still waits for its input.
      const again = await (await formatter.render(new BufferContent(small), { scratchDir: dir })).bytes();
      expect(again.equals(first)).to.equal(true);
      expect(created, 'the given-up conversion has written nothing yet').to.deep.equal([]);
      // Given its message, the given-up conversion runs out; the .msg it writes is then removed.
      await writeFile(pipe, raw);
      for (let i = 0; i < 200 && !(created.length > 0 && (await readdir(scratchDir)).length === 0); i++) await new Promise((r) => setTimeout(r, 25));
      expect(created, 'the conversion ran out and wrote its .msg').to.have.length.greaterThan(0);
      expect(await readdir(scratchDir), 'and the .msg was removed').to.deep.equal([]);
    } finally {
      watcher.close();
      await formatter.close();
    }
  });

  it('does not start a conversion for a signal that has already aborted', async () => {
    const formatter = new MsgFormatter({ workers: 1 });
    try {
      const raw = await readFile(join(fixtures, 'mailparser/nodemailer.eml'));
      const err = await formatter.render(new BufferContent(raw), { scratchDir: dir, signal: AbortSignal.abort(new Error('stopped before')) }).then(() => undefined, (e: unknown) => e);
      expect((err as Error)?.message).to.equal('stopped before');
    } finally {
      await formatter.close();
    }
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
