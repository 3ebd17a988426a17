import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Content } from '../contracts/content.js';
import { hashFile } from '../hash/hasher.js';

/**
 * {@link Content} backed by a file that nobody changes while it is in use (a spool file).
 * Large messages stay on disk; each `open` reads the file again.
 * @public
 */
export class FileContent implements Content {
  private readonly digests = new Map<string, Promise<string>>();

  private constructor(
    /** The backing file (also {@link Content.localPath}). */
    readonly path: string,
    readonly size: number,
  ) {}

  /** Wraps an existing file. Rejects when it cannot be read. */
  static async of(path: string): Promise<FileContent> {
    const s = await stat(path);
    return new FileContent(path, s.size);
  }

  get localPath(): string {
    return this.path;
  }

  open(range?: { start: number; end: number }): Readable {
    if (range && range.end <= range.start) return createReadStream(this.path, { start: 1, end: 0 });
    return createReadStream(this.path, range ? { start: range.start, end: range.end - 1 } : {});
  }

  bytes(): Promise<Buffer> {
    return readFile(this.path);
  }

  digest(kind: string): Promise<string> {
    let value = this.digests.get(kind);
    if (!value) {
      value = hashFile(this.path, kind);
      this.digests.set(kind, value);
      value.catch(() => this.digests.delete(kind));
    }
    return value;
  }
}
