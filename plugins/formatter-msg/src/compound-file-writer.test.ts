import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { type CfbEntry, type CfbStorage, compareEntryNames, layoutCompoundFile, writeCompoundFileToBuffer, writeCompoundFileToFile } from './compound-file-writer.js';
import { type InspectedEntry, child, inspectCompoundFile } from './cfb-inspect.test.util.js';

const fixtures = new URL('../test-fixtures/', import.meta.url);

function stream(name: string, size: number): CfbEntry {
  return { kind: 'stream', name, data: randomBytes(size) };
}

function expectSameTree(written: CfbStorage | CfbEntry, read: InspectedEntry): void {
  if (written.kind === 'stream') {
    expect(read.type, written.name).to.equal('stream');
    expect(read.data.equals(written.data as Buffer), `${written.name} bytes`).to.equal(true);
    return;
  }
  expect(read.children.map((c) => c.name).sort()).to.deep.equal(written.children.map((c) => c.name).sort());
  for (const c of written.children) expectSameTree(c, child(read, c.name)!);
}

describe('compound file writer', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cfb-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes streams around the mini-stream cutoff and reads them back intact', async () => {
    const root: CfbStorage = {
      kind: 'storage',
      name: 'Root Entry',
      clsid: Buffer.from('0b0d020000000000c000000000000046', 'hex'),
      children: [0, 1, 63, 64, 65, 4095, 4096, 4097, 10_000].map((n) => stream(`s${n}`, n)),
    };
    const file = await writeCompoundFileToBuffer(root);
    const tree = inspectCompoundFile(file);
    expect(tree.clsid.toString('hex')).to.equal('0b0d020000000000c000000000000046');
    expectSameTree(root, tree);
  });

  it('keeps every sibling tree a valid red-black tree, for 1 to 300 siblings and nested storages', async () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 100, 300]) {
      const children: CfbEntry[] = Array.from({ length: n }, (_, i) => stream(`__substg1.0_${(0x1000 + i * 7).toString(16).toUpperCase().padStart(8, '0')}`, i % 3 === 0 ? 0 : 10 + i));
      children.push({ kind: 'storage', name: '__recip_version1.0_#00000000', children: [stream('a', 5), stream('BB', 6), stream('c', 7)] });
      const root: CfbStorage = { kind: 'storage', name: 'Root Entry', children };
      expectSameTree(root, inspectCompoundFile(await writeCompoundFileToBuffer(root)));
    }
  });

  it('orders names by length, then upper-cased, as MS-CFB compares them', () => {
    const names = ['b', 'A', '__substg1.0_0037001F', 'aa', '__substg1.0_0E04001F', '__properties_version1.0'];
    expect([...names].sort(compareEntryNames)).to.deep.equal(['A', 'b', 'aa', '__substg1.0_0037001F', '__substg1.0_0E04001F', '__properties_version1.0']);
  });

  it('uses DIFAT sectors once the FAT outgrows the header, and writes the same bytes to a file as to memory', async () => {
    // 9 MiB needs about 145 FAT sectors: 109 in the header, the rest through one DIFAT sector.
    const big = randomBytes(9 * 1024 * 1024);
    const spool = join(dir, 'big.bin');
    await writeFile(spool, big);
    const fromFile: CfbStorage = { kind: 'storage', name: 'Root Entry', children: [{ kind: 'stream', name: 'big', data: { path: spool, size: big.length } }, stream('small', 100)] };
    const inMemory: CfbStorage = { ...fromFile, children: [{ kind: 'stream', name: 'big', data: big }, fromFile.children[1]!] };
    const out = join(dir, 'big.cfb');
    const size = await writeCompoundFileToFile(fromFile, out);
    const onDisk = await readFile(out);
    expect(onDisk.length).to.equal(size);
    expect(onDisk.readUInt32LE(72), 'DIFAT sectors').to.be.greaterThan(0);
    expect(onDisk.equals(await writeCompoundFileToBuffer(inMemory))).to.equal(true);
    expectSameTree(inMemory, inspectCompoundFile(onDisk));
  });

  it('rejects names a compound file cannot hold', () => {
    const long = 'x'.repeat(32);
    expect(() => layoutCompoundFile({ kind: 'storage', name: 'Root Entry', children: [stream(long, 1)] })).to.throw(RangeError, /1 to 31 characters/);
    expect(() => layoutCompoundFile({ kind: 'storage', name: 'Root Entry', children: [stream('Ab', 1), stream('aB', 1)] })).to.throw(RangeError, /duplicate/);
    expect(() => layoutCompoundFile({ kind: 'storage', name: 'Root Entry', children: [stream('a/b', 1)] })).to.throw(RangeError, /reserved character/);
  });

  it('has a structure checker that catches broken trees', async () => {
    const root: CfbStorage = { kind: 'storage', name: 'Root Entry', children: ['a', 'b', 'c', 'd', 'e'].map((n) => stream(n, 10)) };
    const good = await writeCompoundFileToBuffer(root);
    const entry = (file: Buffer, i: number) => 512 + file.readUInt32LE(48) * 512 + i * 128;
    const allRed = Buffer.from(good);
    for (let i = 1; i <= 5; i++) allRed.writeUInt8(0, entry(allRed, i) + 67);
    expect(() => inspectCompoundFile(allRed)).to.throw(/red child|black height/);
    const cycle = Buffer.from(good);
    cycle.writeUInt32LE(cycle.readUInt32LE(entry(cycle, 0) + 76), entry(cycle, 2) + 68); // a left link back to the subtree root
    cycle.writeUInt32LE(cycle.readUInt32LE(entry(cycle, 0) + 76), entry(cycle, 2) + 72);
    expect(() => inspectCompoundFile(cycle)).to.throw(/reached twice|black height|out of order/);
    const swapped = Buffer.from(good);
    swapped.write('z', entry(swapped, 1), 'utf16le');
    expect(() => inspectCompoundFile(swapped)).to.throw(/out of order/);
  });

  it('has a structure checker that accepts Outlook-written files', async () => {
    for (const name of ['attachAndInline.msg', 'msgInMsg.msg', 'newOutlook_Microsoft_Outlook_test.msg']) {
      const tree = inspectCompoundFile(await readFile(new URL(`msgreader/${name}`, fixtures)), { strict: false });
      expect(tree.clsid.toString('hex'), name).to.equal('0b0d020000000000c000000000000046');
      expect(child(tree, '__properties_version1.0'), name).to.not.equal(undefined);
    }
  });
});
