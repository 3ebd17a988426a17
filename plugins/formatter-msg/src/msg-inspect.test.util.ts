/**
 * Test support: checks the MSG-level rules of [MS-OXMSG] on a compound file tree (property stream
 * headers and entry sizes, Unicode-only strings, no empty strings, received state, storage counts) and
 * returns each object's properties.
 */
import { type InspectedEntry, child } from './cfb-inspect.test.util.js';

/** One property read from a property stream. */
export interface RawProperty {
  tag: number;
  flags: number;
  /** The 8 value bytes of a fixed-length property. */
  fixed?: Buffer;
  /** The stream of a variable-length property. */
  data?: Buffer;
  size: number;
  reserved: number;
}

/** A message, recipient or attachment object with its properties. */
export interface MsgObject {
  props: Map<number, RawProperty>;
  recipients: MsgObject[];
  attachments: MsgObject[];
  /** The embedded message of an attachment with method 5. */
  embedded?: MsgObject;
}

/** Reads and checks the message object in `storage` (the root, or an embedded `__substg1.0_3701000D`). */
export function inspectMessage(storage: InspectedEntry, kind: 'top' | 'embedded' = 'top'): MsgObject {
  const where = kind === 'top' ? 'message' : 'embedded message';
  if (kind === 'top') {
    const nameid = child(storage, '__nameid_version1.0');
    if (!nameid || nameid.type !== 'storage') throw new Error('no __nameid_version1.0 storage');
    for (const s of ['__substg1.0_00020102', '__substg1.0_00030102', '__substg1.0_00040102']) {
      if (!child(nameid, s)) throw new Error(`__nameid_version1.0 lacks ${s}`);
    }
  } else if (child(storage, '__nameid_version1.0')) throw new Error('embedded message has its own __nameid_version1.0');
  const { props, header } = readProperties(storage, kind === 'top' ? 32 : 24, where);
  const recipients = storage.children.filter((c) => c.name.startsWith('__recip_version1.0_#')).map((c) => inspectObject(c, 'recipient'));
  const attachmentStorages = storage.children.filter((c) => c.name.startsWith('__attach_version1.0_#'));
  const attachments = attachmentStorages.map((c) => inspectObject(c, 'attachment'));
  if (header.readUInt32LE(16) !== recipients.length) throw new Error(`${where}: header counts ${header.readUInt32LE(16)} recipients, found ${recipients.length}`);
  if (header.readUInt32LE(20) !== attachments.length) throw new Error(`${where}: header counts ${header.readUInt32LE(20)} attachments, found ${attachments.length}`);
  if (header.readUInt32LE(8) < recipients.length || header.readUInt32LE(12) < attachments.length) throw new Error(`${where}: next ids below counts`);
  const flags = props.get(0x0e070003)?.fixed?.readUInt32LE(0);
  if (flags === undefined) throw new Error(`${where}: no PR_MESSAGE_FLAGS`);
  if (flags & 0x08) throw new Error(`${where}: PR_MESSAGE_FLAGS has mfUnsent (draft)`);
  const mask = props.get(0x340d0003)?.fixed?.readUInt32LE(0) ?? 0;
  if (!(mask & 0x00040000)) throw new Error(`${where}: PR_STORE_SUPPORT_MASK lacks STORE_UNICODE_OK`);
  return { props, recipients, attachments };
}

function inspectObject(storage: InspectedEntry, kind: 'recipient' | 'attachment'): MsgObject {
  const { props } = readProperties(storage, 8, storage.name);
  const out: MsgObject = { props, recipients: [], attachments: [] };
  if (kind === 'attachment' && props.get(0x37050003)?.fixed?.readUInt32LE(0) === 5) {
    const obj = props.get(0x3701000d);
    if (!obj || obj.size !== 0xffffffff || obj.reserved !== 1) throw new Error(`${storage.name}: embedded message entry must have size 0xFFFFFFFF and reserved 1`);
    const sub = child(storage, '__substg1.0_3701000D');
    if (!sub || sub.type !== 'storage') throw new Error(`${storage.name}: no __substg1.0_3701000D storage`);
    out.embedded = inspectMessage(sub, 'embedded');
  }
  return out;
}

function readProperties(storage: InspectedEntry, headerSize: number, where: string): { props: Map<number, RawProperty>; header: Buffer } {
  const stream = child(storage, '__properties_version1.0');
  if (!stream || stream.type !== 'stream') throw new Error(`${where}: no property stream`);
  const data = stream.data;
  if (data.length < headerSize || (data.length - headerSize) % 16 !== 0) throw new Error(`${where}: property stream of ${data.length} bytes does not fit a ${headerSize}-byte header and 16-byte entries`);
  if (!data.subarray(0, 8).equals(Buffer.alloc(8))) throw new Error(`${where}: reserved header bytes not zero`);
  if (headerSize === 32 && !data.subarray(24, 32).equals(Buffer.alloc(8))) throw new Error(`${where}: reserved header tail not zero`);
  const props = new Map<number, RawProperty>();
  for (let o = headerSize; o < data.length; o += 16) {
    const tag = data.readUInt32LE(o);
    const flags = data.readUInt32LE(o + 4);
    const type = tag & 0xffff;
    if (!(flags & 2)) throw new Error(`${where}: property 0x${tag.toString(16)} is not readable`);
    if (type === 0x001e) throw new Error(`${where}: ANSI string 0x${tag.toString(16)} in a Unicode message`);
    if (props.has(tag)) throw new Error(`${where}: property 0x${tag.toString(16)} twice`);
    const p: RawProperty = { tag, flags, size: data.readUInt32LE(o + 8), reserved: data.readUInt32LE(o + 12) };
    if ([0x001f, 0x0102, 0x000d].includes(type)) {
      const name = `__substg1.0_${tag.toString(16).toUpperCase().padStart(8, '0')}`;
      if (type !== 0x000d) {
        const s = child(storage, name);
        if (!s || s.type !== 'stream') throw new Error(`${where}: no stream ${name}`);
        if (s.name !== name) throw new Error(`${where}: stream ${s.name} is not upper-case`);
        p.data = s.data;
        if (type === 0x001f) {
          if (s.data.length === 0) throw new Error(`${where}: empty string stream ${name}`);
          if (s.data.length % 2 || p.size !== s.data.length + 2) throw new Error(`${where}: ${name} size field ${p.size} for ${s.data.length} bytes`);
        } else if (p.size !== s.data.length) throw new Error(`${where}: ${name} size field ${p.size} for ${s.data.length} bytes`);
        if (p.reserved !== 0) throw new Error(`${where}: ${name} reserved field not zero`);
      }
    } else p.fixed = Buffer.from(data.subarray(o + 8, o + 16));
    props.set(tag, p);
  }
  return { props, header: data.subarray(0, headerSize) };
}

/** A string property's value. */
export function str(o: MsgObject, tag: number): string | undefined {
  return o.props.get(tag)?.data?.toString('utf16le');
}

/** An integer property's value. */
export function int(o: MsgObject, tag: number): number | undefined {
  return o.props.get(tag)?.fixed?.readInt32LE(0);
}
