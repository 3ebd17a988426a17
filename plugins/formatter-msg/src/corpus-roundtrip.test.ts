import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { BufferContent } from '@filing-sync/core';
import { MsgFormatter } from './msg-formatter.js';
import { compareWithMsgReader, compareWithMsgconvert } from './roundtrip.test.util.js';

/** Fixtures whose Subject continuation lines lack the leading space (see compareWithMsgconvert). */
const BROKEN_SUBJECT_FOLDING = new Set(['MSGReader/UTF-8_Test.eml']);

const fixtures = fileURLToPath(new URL('../test-fixtures/', import.meta.url));

async function corpus(): Promise<string[]> {
  const out: string[] = [];
  for (const folder of await readdir(fixtures, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const f of await readdir(join(fixtures, folder.name))) if (f.endsWith('.eml')) out.push(join(folder.name, f));
  }
  return out.sort();
}

describe('corpus round trip (every .eml in test-fixtures)', function () {
  // One msgconvert (a Perl start-up) per corpus file, one after the other: slow on a loaded machine.
  this.timeout(120_000);
  const formatter = new MsgFormatter({ workers: 0 });
  let dir: string;
  const files: string[] = [];
  const totals = { attachments: 0, embedded: 0, hidden: 0 };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'msg-corpus-'));
    files.push(...(await corpus()));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the corpus', () => {
    expect(files.length).to.be.at.least(19);
  });

  it('converts every file; msgreader reads back every field as mailparser parsed it', async () => {
    for (const f of files) {
      const raw = await readFile(join(fixtures, f));
      const msg = await (await formatter.render(new BufferContent(raw), { scratchDir: dir })).bytes();
      const c = await compareWithMsgReader(raw, msg, f);
      totals.attachments += c.attachments;
      totals.embedded += c.embedded;
      totals.hidden += c.hidden;
    }
    // The corpus exercises attachments, hidden inline images and embedded messages.
    expect(totals.attachments).to.be.greaterThan(10);
    expect(totals.hidden).to.be.greaterThan(2);
    expect(totals.embedded).to.be.at.least(2);
  });

  it('converts every file; msgconvert turns each back into a message that agrees with the original', async () => {
    const failures: string[] = [];
    for (const f of files) {
      const raw = await readFile(join(fixtures, f));
      const msg = await (await formatter.render(new BufferContent(raw), { scratchDir: dir })).bytes();
      await compareWithMsgconvert(raw, msg, dir, f, { brokenSubjectFolding: BROKEN_SUBJECT_FOLDING.has(f) }).catch((err: Error) => failures.push(err.message));
    }
    expect(failures).to.deep.equal([]);
  });
});
