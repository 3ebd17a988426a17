import { expect } from 'chai';
import type { ErrorKind, FilingSyncError } from '@filing-sync/core';

/**
 * Awaits `promise` and asserts it rejects with a taxonomy error of `kind` (compared by `kind`, so a
 * plugin that bundles its own copy of the core still conforms). Returns the error for further checks.
 * @public
 */
export async function expectTaxonomyError(promise: Promise<unknown>, kind: ErrorKind, what: string): Promise<FilingSyncError> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (err) {
    const e = err as Partial<FilingSyncError> & Error;
    expect(e?.kind, `${what}: expected a ${kind} error, got ${e?.name}: ${e?.message}`).to.equal(kind);
    expect(e.message, `${what}: the error says what failed`).to.be.a('string').and.not.empty;
    return e as FilingSyncError;
  }
  expect.fail(`${what}: expected a ${kind} error, but it resolved ${safeJson(outcome)}`);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
