/**
 * Errors of the conversion itself. They do not extend core's error classes on purpose: the conversion runs
 * in worker threads, and importing `@filing-sync/core` there would double a thread's start-up time.
 * `MsgFormatter` turns them into {@link InvalidMessageError} and core's `PermanentError`.
 * @packageDocumentation
 */

/** The input is not a message that can be read; becomes an `InvalidMessageError`. */
export class UnreadableMessageError extends Error {
  override readonly name = 'UnreadableMessageError';

  constructor(
    /** What the formatter expected. */
    readonly expected: string,
    /** What it found instead. */
    readonly found: string,
    options: { cause?: unknown } = {},
  ) {
    super(`expected ${expected}, found ${found}`, options);
  }
}

/** The message was read but cannot become a .msg (too large for the format); becomes a `PermanentError`. */
export class UnconvertibleMessageError extends Error {
  override readonly name = 'UnconvertibleMessageError';
}

/** An error reduced to what crosses a thread boundary (class identity does not). */
export interface SerializedError {
  name: string;
  message: string;
  expected?: string;
  found?: string;
  code?: string;
}

/** Reduces `err` to plain data for the calling thread. */
export function serializeError(err: unknown): SerializedError {
  const e = err as Error & { expected?: string; found?: string; code?: string };
  return { name: e?.name ?? 'Error', message: e?.message ?? String(err), expected: e?.expected, found: e?.found, code: e?.code };
}
