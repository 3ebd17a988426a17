/**
 * The properties of one MSG object (message, recipient, attachment) and their on-disk form:
 * one `__properties_version1.0` stream of 16-byte entries plus one `__substg1.0_TTTTPPPP` stream per
 * variable-length value ([MS-OXMSG] 2.4).
 * @packageDocumentation
 */
import { type ByteSource, type CfbEntry, type CfbStorage, sizeOf } from './compound-file-writer.js';
import { PropFlag, PropType } from './mapi-tags.js';

/** Which object the property stream belongs to; it decides the header size ([MS-OXMSG] 2.4.1). */
export type PropertyStreamKind =
  | { kind: 'top'; recipients: number; attachments: number }
  | { kind: 'embedded'; recipients: number; attachments: number }
  | { kind: 'recipient' }
  | { kind: 'attachment' };

const READ_WRITE = PropFlag.Readable | PropFlag.Writable;
/** 100-ns intervals between 1601-01-01 and 1970-01-01. */
const FILETIME_UNIX_EPOCH = 116444736000000000n;
/**
 * The largest FILETIME Windows reads: FileTimeToSystemTime refuses values with the top bit set (the year 30828).
 */
const FILETIME_MAX = 0x7fffffffffffffffn;

interface Entry {
  tag: number;
  flags: number;
  /** 8 bytes for fixed-length values. */
  fixed?: Buffer;
  stream?: ByteSource;
  /** Value of the size field of a stream-backed entry. */
  sizeField?: number;
  /** Value of the reserved field (1 for an embedded message object). */
  reserved?: number;
  storage?: CfbStorage;
}

/** Builds the properties of one object. Empty strings are left out: old Outlook refuses zero-length string streams. */
export class PropertyBag {
  private readonly entries = new Map<number, Entry>();

  /** A PtypInteger32 value. */
  int32(tag: number, value: number, flags: number = READ_WRITE): this {
    const b = Buffer.alloc(8);
    b.writeInt32LE(value | 0, 0);
    return this.set({ tag, flags, fixed: b });
  }

  /** A PtypBoolean value. */
  bool(tag: number, value: boolean, flags: number = READ_WRITE): this {
    const b = Buffer.alloc(8);
    b.writeUInt8(value ? 1 : 0, 0);
    return this.set({ tag, flags, fixed: b });
  }

  /**
   * A PtypTime value (FILETIME, UTC). Skipped when the date is absent, invalid, or outside what a FILETIME can
   * hold (before 1601, after 30828): such a date (`Received: …; 1 Jan 1600`) is garbage from the sender, and
   * the rest of the message is still worth converting.
   */
  time(tag: number, value: Date | undefined, flags: number = READ_WRITE): this {
    if (!value || Number.isNaN(value.getTime())) return this;
    const filetime = BigInt(value.getTime()) * 10000n + FILETIME_UNIX_EPOCH;
    if (filetime < 0n || filetime > FILETIME_MAX) return this;
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(filetime, 0);
    return this.set({ tag, flags, fixed: b });
  }

  /** A PtypString value, UTF-16LE without terminator. Skipped when absent or empty. */
  string(tag: number, value: string | undefined, flags: number = READ_WRITE): this {
    if (value === undefined || value.length === 0) return this;
    const data = Buffer.from(value, 'utf16le');
    return this.set({ tag, flags, stream: data, sizeField: data.length + 2 });
  }

  /** A PtypBinary value. */
  binary(tag: number, data: ByteSource, flags: number = READ_WRITE): this {
    return this.set({ tag, flags, stream: data, sizeField: sizeOf(data) });
  }

  /** A PtypObject value held in a sub-storage (an embedded message: reserved = 1). */
  object(tag: number, storage: Omit<CfbStorage, 'name' | 'kind'>, reserved: number, flags: number = READ_WRITE): this {
    return this.set({ tag, flags, sizeField: 0xffffffff, reserved, storage: { kind: 'storage', name: substgName(tag), ...storage } });
  }

  private set(e: Entry): this {
    const type = e.tag & 0xffff;
    if (e.fixed && ![PropType.Integer16, PropType.Integer32, PropType.Boolean, PropType.Time].includes(type as 2)) {
      throw new Error(`tag 0x${hex(e.tag)} is not a fixed-length type`);
    }
    this.entries.set(e.tag, e);
    return this;
  }

  /** The property stream and value streams/storages of this object, ready to place in its storage. */
  toEntries(kind: PropertyStreamKind): CfbEntry[] {
    const sorted = [...this.entries.values()].sort((a, b) => (a.tag >>> 0) - (b.tag >>> 0));
    const headerSize = kind.kind === 'top' ? 32 : kind.kind === 'embedded' ? 24 : 8;
    const props = Buffer.alloc(headerSize + 16 * sorted.length);
    if (kind.kind === 'top' || kind.kind === 'embedded') {
      props.writeUInt32LE(kind.recipients, 8); // next recipient id
      props.writeUInt32LE(kind.attachments, 12); // next attachment id
      props.writeUInt32LE(kind.recipients, 16);
      props.writeUInt32LE(kind.attachments, 20);
    }
    const out: CfbEntry[] = [{ kind: 'stream', name: '__properties_version1.0', data: props }];
    sorted.forEach((e, i) => {
      const o = headerSize + 16 * i;
      props.writeUInt32LE(e.tag >>> 0, o);
      props.writeUInt32LE(e.flags, o + 4);
      if (e.fixed) e.fixed.copy(props, o + 8);
      else {
        props.writeUInt32LE(e.sizeField! >>> 0, o + 8);
        props.writeUInt32LE(e.reserved ?? 0, o + 12);
        if (e.stream) out.push({ kind: 'stream', name: substgName(e.tag), data: e.stream });
        if (e.storage) out.push(e.storage);
      }
    });
    return out;
  }
}

/** `__substg1.0_` plus the tag in upper-case hex, as Outlook names value streams. */
export function substgName(tag: number): string {
  return `__substg1.0_${hex(tag)}`;
}

function hex(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
