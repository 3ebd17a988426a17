/**
 * Test support: a strict, independent MS-CFB reader that checks every structural rule the writer must
 * keep (header fields, FAT/DIFAT/mini FAT chains, directory tree shape and colours, sizes) and returns the
 * tree with each stream's bytes.
 */
const ENDOFCHAIN = 0xfffffffe;
const FREESECT = 0xffffffff;
const FATSECT = 0xfffffffd;
const DIFSECT = 0xfffffffc;
const NOSTREAM = 0xffffffff;

/** One directory entry as read back. */
export interface InspectedEntry {
  name: string;
  type: 'storage' | 'stream' | 'root';
  clsid: Buffer;
  children: InspectedEntry[];
  /** Stream contents (empty for storages). */
  data: Buffer;
}

/** Reads `file`, throwing an Error that names the first broken rule. */
export function inspectCompoundFile(file: Buffer, options: { strict?: boolean } = { strict: true }): InspectedEntry {
  const fail = (msg: string): never => {
    throw new Error(`CFB structure: ${msg}`);
  };
  if (file.length < 1024 || file.length % 512 !== 0) fail(`file size ${file.length} is not a whole number of 512-byte sectors`);
  if (!file.subarray(0, 8).equals(Buffer.from('d0cf11e0a1b11ae1', 'hex'))) fail('bad signature');
  if (file.readUInt16LE(26) !== 3 || file.readUInt16LE(24) !== 0x3e) fail('not version 3.62');
  if (file.readUInt16LE(28) !== 0xfffe) fail('bad byte order mark');
  if (file.readUInt16LE(30) !== 9 || file.readUInt16LE(32) !== 6) fail('sector shifts are not 9 and 6');
  if (file.readUInt32LE(40) !== 0) fail('directory sector count must be 0 in version 3');
  if (file.readUInt32LE(56) !== 4096) fail('mini stream cutoff is not 4096');
  if (!file.subarray(8, 24).equals(Buffer.alloc(16))) fail('header CLSID must be zero');
  const sectors = file.length / 512 - 1;
  const sector = (n: number) => {
    if (n >= sectors) fail(`sector ${n} is beyond the end of the file (${sectors} sectors)`);
    return file.subarray(512 + n * 512, 1024 + n * 512);
  };

  // DIFAT → FAT sector numbers.
  const fatCount = file.readUInt32LE(44);
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) {
    const v = file.readUInt32LE(76 + i * 4);
    if (i < fatCount) fatSectors.push(v);
    else if (v !== FREESECT) fail(`header DIFAT entry ${i} beyond the FAT count is not FREESECT`);
  }
  const difatSectors: number[] = [];
  let difat = file.readUInt32LE(68);
  const difatCount = file.readUInt32LE(72);
  while (difat !== ENDOFCHAIN) {
    if (difatSectors.includes(difat)) fail('DIFAT chain has a cycle');
    difatSectors.push(difat);
    const s = sector(difat);
    for (let i = 0; i < 127; i++) {
      const v = s.readUInt32LE(i * 4);
      if (fatSectors.length < fatCount) fatSectors.push(v);
      else if (v !== FREESECT) fail('DIFAT sector holds entries beyond the FAT count');
    }
    difat = s.readUInt32LE(508);
  }
  if (difatSectors.length !== difatCount) fail(`DIFAT count ${difatCount} but chain has ${difatSectors.length}`);
  if (fatSectors.length !== fatCount) fail(`FAT count ${fatCount} but DIFAT lists ${fatSectors.length}`);
  const fat: number[] = [];
  for (const n of fatSectors) {
    const s = sector(n);
    for (let i = 0; i < 128; i++) fat.push(s.readUInt32LE(i * 4));
  }
  if (fat.length < sectors) fail('FAT does not cover every sector');
  for (const n of fatSectors) if (fat[n] !== FATSECT) fail(`FAT sector ${n} is not marked FATSECT`);
  for (const n of difatSectors) if (fat[n] !== DIFSECT) fail(`DIFAT sector ${n} is not marked DIFSECT`);
  for (let i = sectors; i < fat.length && options.strict; i++) if (fat[i] !== FREESECT) fail(`FAT entry ${i} beyond the file is not free`);

  const owner = new Map<number, string>();
  const chain = (start: number, table: number[], what: string, claim: Map<number, string>): number[] => {
    const out: number[] = [];
    for (let n = start; n !== ENDOFCHAIN; n = table[n]!) {
      if (n === undefined || n >= table.length || n >= 0xfffffffa) fail(`${what}: chain leaves the table at ${n}`);
      if (claim.has(n)) fail(`${what}: sector ${n} already used by ${claim.get(n)} (cycle or overlap)`);
      claim.set(n, what);
      out.push(n);
    }
    return out;
  };
  const read = (list: number[], size: number) => Buffer.concat(list.map(sector)).subarray(0, size);

  const dirChain = chain(file.readUInt32LE(48), fat, 'directory', owner);
  const dir = Buffer.concat(dirChain.map(sector));
  const count = dir.length / 128;
  interface Raw { name: string; type: number; red: boolean; left: number; right: number; child: number; clsid: Buffer; start: number; size: number }
  const raw: Raw[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * 128;
    const nameLen = dir.readUInt16LE(o + 64);
    const type = dir.readUInt8(o + 66);
    if (type === 0) {
      raw.push({ name: '', type, red: false, left: NOSTREAM, right: NOSTREAM, child: NOSTREAM, clsid: Buffer.alloc(16), start: 0, size: 0 });
      continue;
    }
    if (nameLen < 2 || nameLen > 64 || nameLen % 2) fail(`entry ${i}: name length ${nameLen}`);
    const name = dir.toString('utf16le', o, o + nameLen - 2);
    if (dir.readUInt16LE(o + nameLen - 2) !== 0) fail(`entry ${i}: name not NUL-terminated`);
    if (dir.readUInt32LE(o + 124) !== 0) fail(`entry ${i}: size high word not zero in version 3`);
    raw.push({
      name,
      type,
      red: dir.readUInt8(o + 67) === 0,
      left: dir.readUInt32LE(o + 68),
      right: dir.readUInt32LE(o + 72),
      child: dir.readUInt32LE(o + 76),
      clsid: Buffer.from(dir.subarray(o + 80, o + 96)),
      start: dir.readUInt32LE(o + 116),
      size: dir.readUInt32LE(o + 120),
    });
  }
  const root = raw[0];
  if (!root || root.type !== 5 || root.name !== 'Root Entry') fail('entry 0 is not the root entry');
  // Outlook itself writes a red root entry; ours is black as MS-CFB 2.6.4 asks.
  if (root!.red && options.strict) fail('root entry is red');

  // Mini stream and mini FAT.
  const miniStream = read(chain(root!.start, fat, 'mini stream', owner), root!.size);
  const miniFatCount = file.readUInt32LE(64);
  const miniFatChain = miniFatCount ? chain(file.readUInt32LE(60), fat, 'mini FAT', owner) : [];
  if (miniFatChain.length !== miniFatCount) fail(`mini FAT count ${miniFatCount} but chain has ${miniFatChain.length}`);
  if (!miniFatCount && file.readUInt32LE(60) !== ENDOFCHAIN) fail('no mini FAT but its start is not ENDOFCHAIN');
  const miniFat: number[] = [];
  for (const n of miniFatChain) for (let i = 0; i < 128; i++) miniFat.push(sector(n).readUInt32LE(i * 4));
  const miniOwner = new Map<number, string>();

  const seen = new Set<number>([0]);
  const compare = (a: string, b: string) => (a.length !== b.length ? a.length - b.length : a.toUpperCase() < b.toUpperCase() ? -1 : a.toUpperCase() > b.toUpperCase() ? 1 : 0);
  const build = (id: number, path: string): InspectedEntry => {
    const e = raw[id]!;
    const node: InspectedEntry = { name: e.name, type: e.type === 5 ? 'root' : e.type === 1 ? 'storage' : 'stream', clsid: e.clsid, children: [], data: Buffer.alloc(0) };
    if (e.type === 2) {
      if (e.child !== NOSTREAM) fail(`${path}: stream has a child`);
      if (e.size === 0) {
        if (e.start !== ENDOFCHAIN && e.start !== 0) fail(`${path}: empty stream starts at ${e.start}`);
      } else if (e.size < 4096) {
        const list = chain(e.start, miniFat, path, miniOwner);
        if (list.length !== Math.ceil(e.size / 64)) fail(`${path}: mini chain has ${list.length} sectors for ${e.size} bytes`);
        node.data = Buffer.concat(list.map((n) => miniStream.subarray(n * 64, n * 64 + 64))).subarray(0, e.size);
        if (node.data.length !== e.size) fail(`${path}: mini stream too short`);
      } else {
        const list = chain(e.start, fat, path, owner);
        if (list.length !== Math.ceil(e.size / 512)) fail(`${path}: chain has ${list.length} sectors for ${e.size} bytes`);
        node.data = read(list, e.size);
      }
      return node;
    }
    if (e.type !== 1 && e.type !== 5) fail(`${path}: unknown entry type ${e.type}`);
    // The children form a binary search tree with red-black colouring.
    const order: number[] = [];
    const walk = (n: number, depth: number): number => {
      if (n === NOSTREAM) return 0;
      if (n >= raw.length || raw[n]!.type === 0) fail(`${path}: link to unused entry ${n}`);
      if (seen.has(n)) fail(`${path}: entry ${n} reached twice (cycle or shared node)`);
      if (depth > 64) fail(`${path}: sibling tree deeper than 64`);
      seen.add(n);
      const c = raw[n]!;
      if (c.red && ((c.left !== NOSTREAM && raw[c.left]!.red) || (c.right !== NOSTREAM && raw[c.right]!.red))) fail(`${path}: red entry ${c.name} has a red child`);
      const lh = walk(c.left, depth + 1);
      order.push(n);
      const rh = walk(c.right, depth + 1);
      if (lh !== rh) fail(`${path}: black height differs below ${c.name} (${lh} vs ${rh})`);
      return lh + (c.red ? 0 : 1);
    };
    walk(e.child, 0);
    for (let i = 1; i < order.length; i++) {
      if (compare(raw[order[i - 1]!]!.name, raw[order[i]!]!.name) >= 0) fail(`${path}: siblings ${raw[order[i - 1]!]!.name} and ${raw[order[i]!]!.name} out of order`);
    }
    node.children = order.map((n) => build(n, `${path}/${raw[n]!.name}`));
    return node;
  };
  const tree = build(0, '');
  for (let i = 1; i < raw.length; i++) if (raw[i]!.type !== 0 && !seen.has(i)) fail(`entry ${i} (${raw[i]!.name}) is not in the tree`);
  for (let i = 0; i < sectors && options.strict; i++) {
    if (fat[i] === FREESECT) fail(`sector ${i} is free: the writer leaves no holes`);
    if (fat[i] !== FATSECT && fat[i] !== DIFSECT && !owner.has(i)) fail(`sector ${i} is allocated but belongs to no chain`);
  }
  return tree;
}

/** The child named `name` (case-insensitive), or undefined. */
export function child(entry: InspectedEntry, name: string): InspectedEntry | undefined {
  return entry.children.find((c) => c.name.toUpperCase() === name.toUpperCase());
}
