/**
 * The `msg` formatter: raw RFC 5322 message in, Outlook .msg out.
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Piscina } from 'piscina';
import { BufferContent, type Content, FileContent, type Formatter, type RenderContext, untilAborted } from '@filing-sync/core';
import { type ByteSource } from './compound-file-writer.js';
import { type ConvertOptions, type ConvertResult, DEFAULT_CONVERT_OPTIONS, convertToMsg } from './convert.js';
import type { ConvertReply, ConvertTask } from './convert-worker.js';
import { publicError, reviveError } from './public-errors.js';

/** Tuning of {@link MsgFormatter}. */
export interface MsgFormatterOptions {
  /**
   * Worker threads converting in parallel. 0 converts on the calling thread (the CLI does, for one file).
   * Default: {@link defaultWorkerCount}.
   */
  workers?: number;
  /** Attachments above this many bytes are spooled to disk while parsing (default 1 MiB). */
  spoolThreshold?: number;
  /** Output above this many bytes is returned as a file in the scratch folder (default 16 MiB). */
  memoryOutputLimit?: number;
  /** Nesting depth of forwarded messages turned into embedded messages (default 8). */
  maxDepth?: number;
}

/**
 * The default number of worker threads for `cpus` CPUs: those beyond two, none on two or fewer.
 *
 * A conversion on a worker thread costs more CPU than one on the calling thread (copying the message across, a
 * second heap to collect, and the parser compiled again in every thread): all threads counted, a 64 KiB MSG filing
 * took 7.6–9 ms with one or two workers and 5.3–6.5 ms with none. On two CPUs the engine's own thread, the file
 * system's thread pool and V8's background threads already keep both busy, so workers only add that cost: in
 * paired runs, 179–226 files/s with workers and 230–259 with none. Beyond two CPUs, workers take the conversions
 * off the engine's thread, which then does the rest of each filing.
 * @public
 */
export function defaultWorkerCount(cpus: number = availableParallelism()): number {
  return Math.max(0, cpus - 2);
}

/**
 * Converts messages into Outlook .msg files (CFB, Unicode, received state; see the package README).
 * Small results come back in memory, large ones as a {@link FileContent} in `context.scratchDir`.
 * Call {@link MsgFormatter.close} when done so that its worker threads, if any, end.
 * @public
 */
export class MsgFormatter implements Formatter {
  readonly name = 'msg';
  readonly extension = '.msg';
  readonly mediaType = 'application/vnd.ms-outlook';
  private readonly workers: number;
  private readonly limits: Omit<ConvertOptions, 'scratchDir'>;
  private pool: Piscina<ConvertTask, ConvertReply> | undefined;

  constructor(options: MsgFormatterOptions = {}) {
    this.workers = options.workers ?? defaultWorkerCount();
    if (!Number.isInteger(this.workers) || this.workers < 0) throw new RangeError(`workers: expected an integer of 0 or more, found ${options.workers}`);
    this.limits = {
      spoolThreshold: options.spoolThreshold ?? DEFAULT_CONVERT_OPTIONS.spoolThreshold,
      memoryOutputLimit: options.memoryOutputLimit ?? DEFAULT_CONVERT_OPTIONS.memoryOutputLimit,
      maxDepth: options.maxDepth ?? DEFAULT_CONVERT_OPTIONS.maxDepth,
    };
  }

  /**
   * Renders `message` as .msg. Rejects with {@link InvalidMessageError} (a {@link PermanentError}) when the
   * input is not a message it can convert, with {@link PermanentError} when the result would be too large
   * for a .msg, and with the file system's error when the scratch folder cannot be written.
   */
  async render(message: Content, context: RenderContext): Promise<Content> {
    context.signal?.throwIfAborted();
    let spooled: string | undefined;
    try {
      let source: ByteSource;
      if (message instanceof FileContent) source = { path: message.path, size: message.size };
      else if (message.size <= this.limits.memoryOutputLimit) source = await message.bytes();
      else {
        // A large message from elsewhere goes to disk once, so that parsing never holds it whole.
        spooled = join(context.scratchDir, `input-${randomUUID()}.eml`);
        await pipeline(message.open(), createWriteStream(spooled), { signal: context.signal });
        source = { path: spooled, size: message.size };
      }
      // A message in memory is converted in memory; the scratch folder (a folder made and removed per
      // filing) is asked for only when a file is read or the result turns out too large for memory.
      let result = await this.convert(source, { ...this.limits, scratchDir: Buffer.isBuffer(source) ? undefined : context.scratchDir }, context.signal);
      if (result.kind === 'needs-scratch') result = await this.convert(source, { ...this.limits, scratchDir: context.scratchDir }, context.signal);
      if (result.kind === 'needs-scratch') throw new Error('the converter asked for a scratch folder although it had one');
      return result.kind === 'buffer' ? new BufferContent(result.bytes) : await FileContent.of(result.path);
    } finally {
      if (spooled) await rm(spooled, { force: true });
    }
  }

  /** Ends the worker threads. Rendering afterwards starts new ones. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }

  private convert(source: ByteSource, options: ConvertOptions, signal: AbortSignal | undefined): Promise<ConvertResult> {
    return this.workers === 0 ? this.inThisThread(source, options) : this.inWorker(source, options, signal);
  }

  private async inThisThread(source: ByteSource, options: ConvertOptions): Promise<ConvertResult> {
    try {
      return await convertToMsg(source, options);
    } catch (err) {
      throw publicError(err);
    }
  }

  private async inWorker(source: ByteSource, options: ConvertOptions, signal?: AbortSignal): Promise<ConvertResult> {
    signal?.throwIfAborted();
    this.pool ??= new Piscina<ConvertTask, ConvertReply>({
      filename: new URL('./convert-worker.js', import.meta.url).href,
      // All threads start at once: a thread's start-up (loading the parser) costs far more than one conversion.
      minThreads: this.workers,
      maxThreads: this.workers,
      idleTimeout: 10_000,
      // Eight conversions per thread: the parser waits for the event loop between its chunks and the spool for the
      // disk, and with two a thread sat idle in those waits (one worker on two CPUs: 185 files/s at two, 235 at eight).
      concurrentTasksPerWorker: 8,
    });
    // A view is cloned with its whole backing buffer, so a slice of a larger buffer is copied out first.
    const bytes = Buffer.isBuffer(source) ? (source.byteOffset === 0 && source.byteLength === source.buffer.byteLength ? new Uint8Array(source.buffer) : new Uint8Array(source)) : undefined;
    const task: ConvertTask = { source: bytes ?? (source as Exclude<ByteSource, Buffer>), options };
    // Not piscina's own `signal` option: a task given one runs alone on its thread and is aborted by ending the
    // thread, so the next conversion waits for a new thread to load the parser. With one worker on two CPUs that
    // cost about 1 ms of this thread's CPU per conversion (150 instead of 190 files/s). An aborted filing stops
    // waiting instead, and the conversion runs out.
    const reply = await untilAborted(this.pool.run(task), signal, (late) => {
      // A conversion given up on may still leave its .msg in the scratch folder.
      if (!(late instanceof Uint8Array) && late.ok && 'path' in late) void rm(late.path, { force: true });
    });
    if (reply instanceof Uint8Array) return { kind: 'buffer', bytes: Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength) };
    if (reply.ok) return 'needsScratch' in reply ? { kind: 'needs-scratch' } : { kind: 'file', path: reply.path, size: reply.size };
    throw reviveError(reply.error);
  }
}
