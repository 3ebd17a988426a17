/** What the fuzzer and its converting child say to each other. */

/** A message to convert. */
export interface ConvertRequest {
  id: number;
  bytes: Uint8Array;
}

/**
 * What became of it: `converted` (a .msg that reads back), `rejected` (a typed refusal the engine turns into
 * a degraded EML), `unexpected` (any other error: the engine still degrades, but the formatter let an
 * untyped error through) or `unreadable` (a .msg that does not open).
 */
export interface ConvertAnswer {
  id: number;
  verdict: 'converted' | 'rejected' | 'unexpected' | 'unreadable';
  ms: number;
  detail?: string;
}

/** The scratch folder the parent made for the child (the parent removes it, also after a crash). */
export const SCRATCH_ENV = 'FILING_SYNC_FUZZ_SCRATCH';

/** Set by the fuzzer's own test: makes marked inputs crash or hang the child, to prove both are caught. */
export const SELFTEST_ENV = 'FILING_SYNC_FUZZ_SELFTEST';
