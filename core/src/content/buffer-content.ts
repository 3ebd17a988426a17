import { Readable } from 'node:stream';
import type { Content } from '../contracts/content.js';
import { hashBuffer } from '../hash/hasher.js';

/**
 * {@link Content} held in memory.
 * @public
 */
export class BufferContent implements Content {
  private readonly digests = new Map<string, Promise<string>>();

  constructor(private readonly buffer: Buffer) {}

  get size(): number {
    return this.buffer.length;
  }

  open(range?: { start: number; end: number }): Readable {
    const slice = range ? this.buffer.subarray(range.start, range.end) : this.buffer;
    // One chunk per 64 KiB keeps backpressure meaningful for large buffers.
    return Readable.from(chunks(slice, 64 * 1024), { objectMode: false });
  }

  async bytes(): Promise<Buffer> {
    return this.buffer;
  }

  digest(kind: string): Promise<string> {
    let value = this.digests.get(kind);
    if (value === undefined) {
      value = hashBuffer(this.buffer, kind);
      this.digests.set(kind, value);
      value.catch(() => this.digests.delete(kind));
    }
    return value;
  }
}

function* chunks(buffer: Buffer, size: number): Generator<Buffer> {
  if (buffer.length === 0) return;
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, Math.min(buffer.length, i + size));
}
