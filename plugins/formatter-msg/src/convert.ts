/**
 * One conversion, EML bytes to .msg, with no threads involved: parse, map, write. Runs in the caller's
 * thread or in a worker (see `convert-worker.ts`).
 * @packageDocumentation
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { type ByteSource, type CfbStorage, type CompoundFileLayout, layoutCompoundFile, writeCompoundFileToBuffer, writeCompoundFileToFile } from './compound-file-writer.js';
import { messageRoot } from './message-storage.js';
import { type ParsedMessage, parseMessage } from './parse-message.js';
import { UnconvertibleMessageError, UnreadableMessageError } from './conversion-errors.js';

/** Limits of one conversion. */
export interface ConvertOptions {
  /**
   * Folder for spool files (large attachments, large output). Without one, attachments stay in memory and
   * a result above `memoryOutputLimit` comes back as `needs-scratch` instead of being written.
   */
  scratchDir?: string;
  /** Attachments above this many bytes are spooled to disk while parsing. */
  spoolThreshold: number;
  /** Output above this many bytes is written to a file in `scratchDir` instead of memory. */
  memoryOutputLimit: number;
  /** Nesting depth of message/rfc822 parts converted into embedded messages. */
  maxDepth: number;
}

/** Defaults: 1 MiB spool threshold, 16 MiB in-memory output, 8 levels of forwarded messages. */
export const DEFAULT_CONVERT_OPTIONS: Omit<ConvertOptions, 'scratchDir'> = {
  spoolThreshold: 1024 * 1024,
  memoryOutputLimit: 16 * 1024 * 1024,
  maxDepth: 8,
};

/** Input files up to this size are read in one call: parsing from memory saves file round trips. */
const READ_WHOLE_LIMIT = 4 * 1024 * 1024;

/** Largest .msg written: version 3 compound files are limited to 2 GiB by their readers. */
export const MAX_MSG_SIZE = 2 ** 31 - 1;

/**
 * Where the .msg ended up; `needs-scratch` when it is larger than `memoryOutputLimit` and no scratch folder
 * was given (the caller converts again with one).
 */
export type ConvertResult = { kind: 'buffer'; bytes: Buffer } | { kind: 'file'; path: string; size: number } | { kind: 'needs-scratch' };

/**
 * Converts the message in `source`. Rejects with {@link UnreadableMessageError} /
 * {@link UnconvertibleMessageError} when the message cannot be converted; with other errors when the scratch folder or the source cannot be used.
 */
export async function convertToMsg(source: ByteSource, options: ConvertOptions): Promise<ConvertResult> {
  let parsed: ParsedMessage | undefined;
  if (!Buffer.isBuffer(source) && source.size <= READ_WHOLE_LIMIT) source = await readFile(source.path);
  try {
    try {
      parsed = await parseMessage(source, options);
    } catch (err) {
      if (err instanceof UnreadableMessageError || isSystemError(err)) throw err;
      throw new UnreadableMessageError('a MIME structure mailparser can read', `a parse error: ${(err as Error).message}`, { cause: err });
    }
    let root: CfbStorage;
    try {
      root = messageRoot(parsed);
    } catch (err) {
      if (err instanceof UnreadableMessageError) throw err;
      throw new UnconvertibleMessageError(`Cannot lay out the .msg: ${(err as Error).message}`, { cause: err });
    }
    // Laid out once: its size decides where it is written.
    const layout = layoutOf(root);
    const size = layout.size;
    if (size > MAX_MSG_SIZE) throw new UnconvertibleMessageError(`The .msg would have ${size} bytes; Outlook .msg files hold at most ${MAX_MSG_SIZE}.`);
    if (size <= options.memoryOutputLimit) return { kind: 'buffer', bytes: await writeCompoundFileToBuffer(layout) };
    if (options.scratchDir === undefined) return { kind: 'needs-scratch' };
    const path = join(options.scratchDir, `message-${randomUUID()}.msg`);
    try {
      return { kind: 'file', path, size: await writeCompoundFileToFile(layout, path) };
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
  } finally {
    if (parsed) await removeSpoolFiles(parsed);
  }
}

function layoutOf(root: CfbStorage): CompoundFileLayout {
  try {
    return layoutCompoundFile(root);
  } catch (err) {
    throw new UnconvertibleMessageError(`Cannot lay out the .msg: ${(err as Error).message}`, { cause: err });
  }
}

async function removeSpoolFiles(message: ParsedMessage): Promise<void> {
  for (const a of message.attachments) {
    if (a.embedded) await removeSpoolFiles(a.embedded);
    if (!Buffer.isBuffer(a.data)) await rm(a.data.path, { force: true });
  }
}

function isSystemError(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException)?.code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}
