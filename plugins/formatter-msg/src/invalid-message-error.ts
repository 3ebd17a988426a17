import { PermanentError } from '@filing-sync/core';

/**
 * The input is not an RFC 5322 message the MSG formatter can convert. A {@link PermanentError}: the engine
 * files the original as `.eml` with outcome `degraded`, and the CLI reports it naming the input file.
 * @public
 */
export class InvalidMessageError extends PermanentError {
  /** What the formatter expected. */
  readonly expected: string;
  /** What it found instead. */
  readonly found: string;

  constructor(expected: string, found: string, options: { cause?: unknown } = {}) {
    super(`Not convertible to .msg: expected ${expected}, found ${found}`, {
      ...options,
      action: 'Check that the input is a raw RFC 5322 email message (an .eml file).',
    });
    this.expected = expected;
    this.found = found;
  }
}
