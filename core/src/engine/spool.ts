import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Content } from '../contracts/content.js';
import { BufferContent } from '../content/buffer-content.js';
import { FileContent } from '../content/file-content.js';
import type { MemoryBudget } from '../pacing/memory-budget.js';

/**
 * Messages up to this size stay in memory: most mail is far smaller, and a file per message
 * (folder, write, stat, read back, remove) costs more than the copy it saves. With a few filings
 * at once this bounds the spool's memory to a few times this size.
 * @public
 */
export const DEFAULT_SPOOL_MEMORY_LIMIT = 4 * 1024 * 1024;

/**
 * One filing's raw message, readable as often as targets and retries need: held in memory when
 * small, streamed once to a private folder on disk when larger, so that a message of any size is
 * never held whole.
 * @public
 */
export class Spool {
  private scratchMade = false;

  private constructor(
    /** The filing's private folder (created only when something is written into it). */
    private readonly dir: string,
    /** The raw message. */
    readonly message: Content,
    /** Bytes of `budget` this spool holds until {@link Spool.dispose}. */
    private held = 0,
    private readonly budget?: MemoryBudget,
  ) {}

  /**
   * Reads `raw` into memory while it stays within `memoryLimit` bytes and `budget` (shared by the
   * filings in flight) lets it have them, otherwise into `<root>/<key>/message.eml`. `reserved` bytes
   * were taken from `budget` for this message beforehand: the spool owns them from this call on (it
   * gives back what the message does not use, and the rest on dispose or failure). Rejects (and
   * removes the folder) on stream errors or abort.
   */
  static async fill(
    root: string,
    key: string,
    raw: Readable,
    signal?: AbortSignal,
    memoryLimit = DEFAULT_SPOOL_MEMORY_LIMIT,
    budget?: MemoryBudget,
    reserved = 0,
  ): Promise<Spool> {
    const dir = join(root, folderName(key));
    const iterator = raw[Symbol.asyncIterator]();
    const chunks: Buffer[] = [];
    let size = 0;
    let held = reserved;
    try {
      for (;;) {
        signal?.throwIfAborted();
        const next = await iterator.next();
        if (next.done) {
          // What the reservation held beyond the message goes back now.
          budget?.give(held - size);
          return new Spool(dir, new BufferContent(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)), size, budget);
        }
        const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
        chunks.push(chunk);
        size += chunk.length;
        if (size > memoryLimit) break;
        if (size > held) {
          if (budget && !budget.tryTake(size - held)) break;
          held = size;
        }
      }
    } catch (err) {
      budget?.give(held);
      raw.destroy();
      throw err;
    }
    // Too large for memory (or memory is taken by other filings): what was read goes first, the rest
    // streams after it, and the memory is given back.
    budget?.give(held);
    const file = join(dir, 'message.eml');
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const out = createWriteStream(file);
      async function* rest(): AsyncGenerator<Buffer> {
        yield* chunks.splice(0);
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          yield next.value as Buffer;
        }
      }
      await pipeline(rest(), out, signal ? { signal } : {});
      const spool = new Spool(dir, await FileContent.of(file));
      spool.scratchMade = true;
      return spool;
    } catch (err) {
      raw.destroy();
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * The filing's private scratch folder for formatters, created when first asked for (most
   * renderings never need one). Throws the file system's error when it cannot be created.
   */
  get scratchDir(): string {
    if (!this.scratchMade) {
      // Synchronous so that it can stand behind a plain property of the render context.
      mkdirSync(this.dir, { recursive: true });
      this.scratchMade = true;
    }
    return this.dir;
  }

  /** Gives back the memory held and removes the scratch folder if one was made. Never rejects; a second call does nothing. */
  async dispose(): Promise<void> {
    this.budget?.give(this.held);
    this.held = 0;
    if (this.scratchMade) await rm(this.dir, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * The folder of spool key `key`: readable for people looking at the disk, and unique, because keys that differ
 * only in characters a folder name cannot hold (filing ids are the service's free strings) must not share one.
 */
function folderName(key: string): string {
  return `${key.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}
