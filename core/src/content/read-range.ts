import type { Content } from '../contracts/content.js';

/**
 * Reads bytes `[start, end)` of a {@link Content} into memory: one chunk or part of a chunked
 * upload, which services want whole (with its length and digest) before it is sent.
 * Rejects on read errors, an abort, or when the content ends before `end` (it changed under us).
 * @public
 */
export async function readRange(content: Content, start: number, end: number, signal?: AbortSignal): Promise<Buffer> {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start && end <= content.size)) {
    throw new RangeError(`Range [${start}, ${end}) is outside the content (0 to ${content.size} bytes).`);
  }
  const out = Buffer.allocUnsafe(end - start);
  if (end === start) return out;
  let filled = 0;
  const stream = content.open({ start, end });
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      const bytes = chunk as Buffer;
      const take = Math.min(bytes.length, out.length - filled);
      bytes.copy(out, filled, 0, take);
      filled += take;
      if (filled === out.length) break;
    }
  } finally {
    stream.destroy();
  }
  if (filled !== out.length) throw new Error(`Content ended after ${start + filled} of ${end} bytes.`);
  return out;
}
