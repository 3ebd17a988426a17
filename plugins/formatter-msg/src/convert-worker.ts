/**
 * Worker-thread entry: runs one {@link convertToMsg} and answers with plain data (errors included),
 * because class identity does not survive the thread boundary.
 * @packageDocumentation
 */
import { move } from 'piscina';
import { type ConvertOptions, convertToMsg } from './convert.js';
import type { ByteSource } from './compound-file-writer.js';
import { type SerializedError, serializeError } from './conversion-errors.js';

/** What the main thread sends. */
export interface ConvertTask {
  source: ByteSource | Uint8Array;
  options: ConvertOptions;
}

/**
 * What the worker answers: the .msg bytes themselves (moved, not copied), a spool file, a request for a
 * scratch folder, or an error.
 */
export type ConvertReply = Uint8Array | { ok: true; path: string; size: number } | { ok: true; needsScratch: true } | { ok: false; error: SerializedError };

/** Converts in this worker; never rejects. */
export default async function convertInWorker(task: ConvertTask): Promise<ConvertReply> {
  const source = task.source instanceof Uint8Array ? Buffer.from(task.source.buffer, task.source.byteOffset, task.source.byteLength) : task.source;
  try {
    const result = await convertToMsg(source, task.options);
    if (result.kind === 'file') return { ok: true, path: result.path, size: result.size };
    if (result.kind === 'needs-scratch') return { ok: true, needsScratch: true };
    // Hand the output buffer over instead of copying it.
    return move(new Uint8Array(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength)) as Uint8Array;
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}
