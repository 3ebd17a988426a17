import type { Readable } from 'node:stream';

/**
 * Immutable bytes that can be read any number of times.
 *
 * Uploads are retried, and a retried upload must rebuild its body from the start, so sinks take a
 * `Content` and call {@link Content.open} for each attempt instead of holding one stream.
 * @public
 */
export interface Content {
  /** Exact size in bytes. */
  readonly size: number;
  /**
   * A local file holding exactly these bytes, when there is one: a sink writing to a local or
   * network folder may copy it in the kernel rather than stream it through memory.
   */
  readonly localPath?: string;
  /**
   * A fresh stream over all the bytes, or over `[start, end)` when given (for chunked uploads).
   * Never fails synchronously; read errors surface on the stream.
   */
  open(range?: { start: number; end: number }): Readable;
  /** All the bytes in memory. Meant for small contents (below a sink's large-upload threshold). */
  bytes(): Promise<Buffer>;
  /**
   * The digest of the bytes for a {@link HashKind}, encoded as that service encodes it.
   * Computed once per kind and remembered. Rejects on read errors or an unknown kind.
   */
  digest(kind: string): Promise<string>;
}
