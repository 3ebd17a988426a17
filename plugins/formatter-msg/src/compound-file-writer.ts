/**
 * A write-only MS-CFB (compound file, version 3) writer that streams its output.
 *
 * The layout is computed from the stream sizes alone, so the file is written front to back in one pass:
 * header, mini stream, regular streams, directory, mini FAT, FAT, DIFAT. Stream contents are copied from
 * memory or from spool files and are never assembled into one buffer, which keeps memory flat for large
 * attachments. Each storage's children form a balanced red-black tree ([MS-CFB] 2.6.4).
 * @packageDocumentation
 */
import { open, type FileHandle } from 'node:fs/promises';

/** Bytes held in a file that nobody changes while the compound file is written (a spool file). */
export interface FileBytes {
  readonly path: string;
  readonly size: number;
}

/** The contents of one stream: in memory, or in a file. */
export type ByteSource = Buffer | FileBytes;

/** A stream (a leaf of the compound file). */
export interface CfbStream {
  readonly kind: 'stream';
  /** At most 31 UTF-16 code units. */
  readonly name: string;
  readonly data: ByteSource;
}

/** A storage (a folder of the compound file). */
export interface CfbStorage {
  readonly kind: 'storage';
  /** At most 31 UTF-16 code units; ignored for the root, which is always `Root Entry`. */
  readonly name: string;
  /** 16 bytes in on-disk order; zero when absent. */
  readonly clsid?: Buffer;
  readonly children: CfbEntry[];
}

/** A node of the compound file tree. */
export type CfbEntry = CfbStream | CfbStorage;

const SECTOR = 512;
const MINI_SECTOR = 64;
const MINI_CUTOFF = 4096;
const ENTRY_SIZE = 128;
const FREESECT = 0xffffffff;
const ENDOFCHAIN = 0xfffffffe;
const FATSECT = 0xfffffffd;
const DIFSECT = 0xfffffffc;
const NOSTREAM = 0xffffffff;
const HEADER_DIFAT = 109;
/** Padding source: never more than one sector of zeros is needed at a time. */
const ZEROS = Buffer.alloc(SECTOR);
const IDS_PER_SECTOR = SECTOR / 4;
/** Largest stream a version 3 file can describe (its size field is 32 bits). */
export const MAX_STREAM_SIZE = 0xffffffff;

/** Size in bytes of a {@link ByteSource}. */
export function sizeOf(data: ByteSource): number {
  return Buffer.isBuffer(data) ? data.length : data.size;
}

/**
 * Orders siblings the way [MS-CFB] 2.6.4 requires: shorter names first, then by upper-cased code units.
 */
export function compareEntryNames(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  const ua = a.toUpperCase();
  const ub = b.toUpperCase();
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

interface DirEntry {
  name: string;
  type: 1 | 2 | 5;
  clsid?: Buffer;
  left: number;
  right: number;
  child: number;
  red: boolean;
  start: number;
  size: number;
  data?: ByteSource;
}

/** A computed layout, ready to be written. */
export interface CompoundFileLayout {
  /** Exact size of the file in bytes. */
  readonly size: number;
  /** Writes the file front to back through `write`, which receives every byte in order. */
  emit(write: (chunk: Buffer) => Promise<void>): Promise<void>;
}

/**
 * Computes where everything goes. Throws a `RangeError` for a name longer than 31 characters, duplicate
 * sibling names, or a stream too large for a version 3 file.
 */
export function layoutCompoundFile(root: CfbStorage): CompoundFileLayout {
  const entries: DirEntry[] = [];
  const rootEntry: DirEntry = { name: 'Root Entry', type: 5, clsid: root.clsid, left: NOSTREAM, right: NOSTREAM, child: NOSTREAM, red: false, start: ENDOFCHAIN, size: 0 };
  entries.push(rootEntry);
  addChildren(rootEntry, root.children, entries);

  // Mini stream: streams below the cutoff, each in whole 64-byte mini sectors.
  const miniFat: number[] = [];
  const miniStreams: DirEntry[] = [];
  const bigStreams: DirEntry[] = [];
  for (const e of entries) {
    if (e.type !== 2) continue;
    if (e.size === 0) e.start = ENDOFCHAIN;
    else if (e.size < MINI_CUTOFF) {
      const count = Math.ceil(e.size / MINI_SECTOR);
      e.start = miniFat.length;
      for (let i = 0; i < count; i++) miniFat.push(i === count - 1 ? ENDOFCHAIN : miniFat.length + 1);
      miniStreams.push(e);
    } else bigStreams.push(e);
  }
  const miniStreamSize = miniFat.length * MINI_SECTOR;
  const miniStreamSectors = Math.ceil(miniStreamSize / SECTOR);
  const miniFatSectors = Math.ceil(miniFat.length / IDS_PER_SECTOR);
  const dirSectors = Math.ceil(entries.length / (SECTOR / ENTRY_SIZE));
  let dataSectors = miniStreamSectors + dirSectors + miniFatSectors;
  for (const e of bigStreams) dataSectors += Math.ceil(e.size / SECTOR);

  // The FAT describes itself and the DIFAT, so grow both until they cover everything.
  let fatSectors = 0;
  let difatSectors = 0;
  for (;;) {
    const total = dataSectors + fatSectors + difatSectors;
    const needFat = Math.ceil(total / IDS_PER_SECTOR);
    const needDifat = needFat <= HEADER_DIFAT ? 0 : Math.ceil((needFat - HEADER_DIFAT) / (IDS_PER_SECTOR - 1));
    if (needFat === fatSectors && needDifat === difatSectors) break;
    fatSectors = needFat;
    difatSectors = needDifat;
  }

  const fat = new Uint32Array(fatSectors * IDS_PER_SECTOR).fill(FREESECT);
  let next = 0;
  const chain = (count: number): number => {
    if (count === 0) return ENDOFCHAIN;
    const first = next;
    for (let i = 0; i < count; i++) fat[next + i] = i === count - 1 ? ENDOFCHAIN : next + i + 1;
    next += count;
    return first;
  };
  rootEntry.start = chain(miniStreamSectors);
  rootEntry.size = miniStreamSize;
  for (const e of bigStreams) e.start = chain(Math.ceil(e.size / SECTOR));
  const dirStart = chain(dirSectors);
  const miniFatStart = chain(miniFatSectors);
  const fatStart = next;
  for (let i = 0; i < fatSectors; i++) fat[next++] = FATSECT;
  const difatStart = next;
  for (let i = 0; i < difatSectors; i++) fat[next++] = DIFSECT;
  const totalSectors = next;

  const header = Buffer.alloc(SECTOR);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(header, 0);
  header.writeUInt16LE(0x003e, 24); // minor version
  header.writeUInt16LE(0x0003, 26); // major version 3
  header.writeUInt16LE(0xfffe, 28); // byte order mark
  header.writeUInt16LE(9, 30); // 512-byte sectors
  header.writeUInt16LE(6, 32); // 64-byte mini sectors
  header.writeUInt32LE(0, 40); // directory sector count: 0 in version 3
  header.writeUInt32LE(fatSectors, 44);
  header.writeUInt32LE(dirStart, 48);
  header.writeUInt32LE(MINI_CUTOFF, 56);
  header.writeUInt32LE(miniFatSectors ? miniFatStart : ENDOFCHAIN, 60);
  header.writeUInt32LE(miniFatSectors, 64);
  header.writeUInt32LE(difatSectors ? difatStart : ENDOFCHAIN, 68);
  header.writeUInt32LE(difatSectors, 72);
  for (let i = 0; i < HEADER_DIFAT; i++) header.writeUInt32LE(i < fatSectors ? fatStart + i : FREESECT, 76 + i * 4);

  const size = SECTOR * (1 + totalSectors);
  return {
    size,
    async emit(write) {
      await write(header);
      // Mini stream, padded to whole mini sectors and then to a whole sector.
      let written = 0;
      for (const e of miniStreams) {
        await copySource(e.data!, write);
        const pad = Math.ceil(e.size / MINI_SECTOR) * MINI_SECTOR - e.size;
        if (pad) await write(ZEROS.subarray(0, pad));
        written += e.size + pad;
      }
      if (miniStreamSectors && miniStreamSectors * SECTOR > written) await write(ZEROS.subarray(0, miniStreamSectors * SECTOR - written));
      for (const e of bigStreams) {
        await copySource(e.data!, write);
        const pad = Math.ceil(e.size / SECTOR) * SECTOR - e.size;
        if (pad) await write(ZEROS.subarray(0, pad));
      }
      await write(directoryBytes(entries, dirSectors));
      if (miniFatSectors) await write(idsBytes(miniFat, miniFatSectors));
      await write(Buffer.from(fat.buffer, fat.byteOffset, fat.byteLength));
      if (difatSectors) await write(difatBytes(fatStart, fatSectors, difatStart, difatSectors));
    },
  };
}

/** A storage tree, or its layout when the caller has computed it already (to check the size first). */
export type CompoundFileInput = CfbStorage | CompoundFileLayout;

function laidOut(input: CompoundFileInput): CompoundFileLayout {
  return 'emit' in input ? input : layoutCompoundFile(input);
}

/** Writes the compound file into one buffer (for small messages). Throws as {@link layoutCompoundFile}. */
export async function writeCompoundFileToBuffer(input: CompoundFileInput): Promise<Buffer> {
  const layout = laidOut(input);
  // Not from the shared pool: the buffer may be handed to another thread. Not zero-filled either: the
  // layout writes every byte, which the size check below confirms.
  const out = Buffer.allocUnsafeSlow(layout.size);
  let at = 0;
  await layout.emit(async (chunk) => {
    at += chunk.copy(out, at);
  });
  if (at !== layout.size) throw new Error(`compound file layout wrote ${at} bytes, expected ${layout.size}`);
  return out;
}

/**
 * Writes the compound file to `path` (created or truncated) and flushes it; resolves to its size. Throws as
 * {@link layoutCompoundFile}; rejects with the file system's error when `path` cannot be written.
 */
export async function writeCompoundFileToFile(input: CompoundFileInput, path: string): Promise<number> {
  const layout = laidOut(input);
  const handle = await open(path, 'w');
  try {
    const batch = new BatchedWriter(handle);
    await layout.emit((chunk) => batch.write(chunk));
    await batch.flush();
    if (batch.position !== layout.size) throw new Error(`compound file layout wrote ${batch.position} bytes, expected ${layout.size}`);
  } finally {
    await handle.close();
  }
  return layout.size;
}

/** Gathers small writes into 1 MiB blocks so that padding and tables do not cost a system call each. */
class BatchedWriter {
  private readonly block = Buffer.allocUnsafe(1024 * 1024);
  private used = 0;
  position = 0;
  constructor(private readonly handle: FileHandle) {}

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length >= this.block.length) {
      await this.flush();
      await this.writeFully(chunk);
      return;
    }
    if (this.used + chunk.length > this.block.length) await this.flush();
    this.used += chunk.copy(this.block, this.used);
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.writeFully(this.block.subarray(0, this.used));
    this.used = 0;
  }

  private async writeFully(buffer: Buffer): Promise<void> {
    let off = 0;
    while (off < buffer.length) {
      const { bytesWritten } = await this.handle.write(buffer, off, buffer.length - off, this.position);
      off += bytesWritten;
      this.position += bytesWritten;
    }
  }
}

async function copySource(data: ByteSource, write: (chunk: Buffer) => Promise<void>): Promise<void> {
  if (Buffer.isBuffer(data)) {
    await write(data);
    return;
  }
  const handle = await open(data.path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(Math.min(4 * 1024 * 1024, Math.max(data.size, 1)));
    let pos = 0;
    while (pos < data.size) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, data.size - pos), pos);
      if (bytesRead === 0) throw new Error(`spool file ${data.path} ended at ${pos} of ${data.size} bytes`);
      // A copy, because `write` may keep the chunk (the buffer writer copies, the batched one may not).
      await write(Buffer.from(chunk.subarray(0, bytesRead)));
      pos += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

function addChildren(parent: DirEntry, children: CfbEntry[], entries: DirEntry[]): void {
  if (children.length === 0) return;
  const sorted = [...children].sort((a, b) => compareEntryNames(a.name, b.name));
  const ids: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted[i]!;
    if (c.name.length === 0 || c.name.length > 31) throw new RangeError(`compound file entry name "${c.name}" must have 1 to 31 characters`);
    if (/[/\\:!]/.test(c.name)) throw new RangeError(`compound file entry name "${c.name}" contains a reserved character`);
    if (i > 0 && compareEntryNames(sorted[i - 1]!.name, c.name) === 0) throw new RangeError(`duplicate compound file entry name "${c.name}"`);
    const e: DirEntry =
      c.kind === 'stream'
        ? { name: c.name, type: 2, left: NOSTREAM, right: NOSTREAM, child: NOSTREAM, red: false, start: ENDOFCHAIN, size: sizeOf(c.data), data: c.data }
        : { name: c.name, type: 1, clsid: c.clsid, left: NOSTREAM, right: NOSTREAM, child: NOSTREAM, red: false, start: 0, size: 0 };
    if (e.size > MAX_STREAM_SIZE) throw new RangeError(`stream "${c.name}" has ${e.size} bytes; a version 3 compound file holds at most ${MAX_STREAM_SIZE}`);
    ids.push(entries.length);
    entries.push(e);
  }
  // Split at the middle: every empty link then sits at depth h or h+1, so painting the deepest level red
  // (when it is deeper than the root) gives every path the same number of black nodes and no red pair.
  const depth = new Map<number, number>();
  const build = (lo: number, hi: number, d: number): number => {
    if (lo > hi) return NOSTREAM;
    const mid = (lo + hi) >>> 1;
    const id = ids[mid]!;
    depth.set(id, d);
    entries[id]!.left = build(lo, mid - 1, d + 1);
    entries[id]!.right = build(mid + 1, hi, d + 1);
    return id;
  };
  parent.child = build(0, ids.length - 1, 0);
  const maxDepth = Math.max(...depth.values());
  if (maxDepth > 0) for (const [id, d] of depth) entries[id]!.red = d === maxDepth;
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted[i]!;
    if (c.kind === 'storage') addChildren(entries[ids[i]!]!, c.children, entries);
  }
}

function directoryBytes(entries: DirEntry[], sectors: number): Buffer {
  const buf = Buffer.alloc(sectors * SECTOR);
  for (let i = 0; i < sectors * (SECTOR / ENTRY_SIZE); i++) {
    const o = i * ENTRY_SIZE;
    const e = entries[i];
    if (!e) {
      buf.writeUInt32LE(NOSTREAM, o + 68);
      buf.writeUInt32LE(NOSTREAM, o + 72);
      buf.writeUInt32LE(NOSTREAM, o + 76);
      continue;
    }
    buf.write(e.name, o, 62, 'utf16le');
    buf.writeUInt16LE((e.name.length + 1) * 2, o + 64);
    buf.writeUInt8(e.type, o + 66);
    buf.writeUInt8(e.red ? 0 : 1, o + 67);
    buf.writeUInt32LE(e.left, o + 68);
    buf.writeUInt32LE(e.right, o + 72);
    buf.writeUInt32LE(e.child, o + 76);
    if (e.clsid) e.clsid.copy(buf, o + 80, 0, 16);
    buf.writeUInt32LE(e.type === 1 ? 0 : e.start, o + 116);
    buf.writeUInt32LE(e.size, o + 120); // the high 32 bits stay 0 in version 3
  }
  return buf;
}

function idsBytes(ids: number[], sectors: number): Buffer {
  const buf = Buffer.alloc(sectors * SECTOR, 0xff);
  ids.forEach((v, i) => buf.writeUInt32LE(v, i * 4));
  return buf;
}

function difatBytes(fatStart: number, fatSectors: number, difatStart: number, difatSectors: number): Buffer {
  const buf = Buffer.alloc(difatSectors * SECTOR, 0xff);
  let fat = HEADER_DIFAT;
  for (let s = 0; s < difatSectors; s++) {
    for (let i = 0; i < IDS_PER_SECTOR - 1 && fat < fatSectors; i++, fat++) buf.writeUInt32LE(fatStart + fat, s * SECTOR + i * 4);
    buf.writeUInt32LE(s === difatSectors - 1 ? ENDOFCHAIN : difatStart + s + 1, s * SECTOR + SECTOR - 4);
  }
  return buf;
}
