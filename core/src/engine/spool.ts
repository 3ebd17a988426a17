import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileContent } from '../content/file-content.js';

/**
 * A private scratch folder per filing: the raw message is streamed to disk once, then read as
 * often as targets and retries need, without holding it in memory.
 * @public
 */
export class Spool {
  private constructor(
    /** The filing's scratch folder; formatters may write into it. */
    readonly dir: string,
    /** The raw message. */
    readonly message: FileContent,
  ) {}

  /** Streams `raw` into `<root>/<key>/message.eml`. Rejects (and removes the folder) on stream errors. */
  static async fill(root: string, key: string, raw: Readable, signal?: AbortSignal): Promise<Spool> {
    const dir = join(root, key.replace(/[^A-Za-z0-9._-]/g, '_'));
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'message.eml');
    try {
      await pipeline(raw, createWriteStream(file), signal ? { signal } : {});
      return new Spool(dir, await FileContent.of(file));
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Removes the scratch folder. Never rejects. */
  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true }).catch(() => {});
  }
}
