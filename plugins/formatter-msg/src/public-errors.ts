/**
 * Turns what a conversion threw, on this thread or (as plain data) on a worker thread, into the errors
 * the formatter promises: {@link InvalidMessageError} and core's `PermanentError`. Runs on the calling
 * thread only.
 * @packageDocumentation
 */
import { PermanentError } from '@filing-sync/core';
import { type SerializedError, UnconvertibleMessageError, UnreadableMessageError } from './conversion-errors.js';
import { InvalidMessageError } from './invalid-message-error.js';

/** The public form of a conversion error; other errors (file system) keep their class, name and code. */
export function publicError(err: unknown): unknown {
  if (err instanceof UnreadableMessageError) return new InvalidMessageError(err.expected, err.found, { cause: err });
  if (err instanceof UnconvertibleMessageError) return new PermanentError(err.message, { cause: err });
  return err;
}

/** Rebuilds an error a worker thread reported. */
export function reviveError(e: SerializedError): Error {
  if (e.name === 'UnreadableMessageError') return new InvalidMessageError(e.expected ?? 'a convertible message', e.found ?? e.message);
  if (e.name === 'UnconvertibleMessageError') return new PermanentError(e.message);
  return Object.assign(new Error(e.message), { name: e.name, code: e.code });
}
