import type { Readable } from 'node:stream';
import { BufferContent, type Content } from '@filing-sync/core';

/**
 * A {@link Content} that counts how it is read, so checks can see that a retried upload opened
 * its content again instead of re-sending a spent stream.
 * @public
 */
export class ProbeContent implements Content {
  /** Calls of {@link ProbeContent.open}. */
  opens = 0;
  private readonly inner: BufferContent;

  constructor(readonly buffer: Buffer) {
    this.inner = new BufferContent(buffer);
  }

  get size(): number {
    return this.inner.size;
  }

  open(range?: { start: number; end: number }): Readable {
    this.opens++;
    return this.inner.open(range);
  }

  bytes(): Promise<Buffer> {
    return this.inner.bytes();
  }

  digest(kind: string): Promise<string> {
    return this.inner.digest(kind);
  }
}
