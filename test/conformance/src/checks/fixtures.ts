/**
 * Values shared by the checks.
 * @packageDocumentation
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { TestTarget } from '../options.js';

/** The sent time every check files under: 2026-11-28 14:46:13 UTC. */
export const SENT_AT = new Date('2026-11-28T14:46:13Z');

/** sha256 hex of some bytes, for comparing large contents without printing them. */
export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Asserts that `name` in `target` holds exactly `expected`, read without the sink. */
export async function expectStored(target: TestTarget, name: string, expected: Buffer): Promise<void> {
  const stored = await target.read(name);
  expect(stored.length, `size of "${name}" as stored`).to.equal(expected.length);
  expect(sha256(stored), `bytes of "${name}" as stored`).to.equal(sha256(expected));
}

/** The target's listing, sorted, for order-free comparison. */
export async function listing(target: TestTarget): Promise<string[]> {
  return (await target.list()).sort();
}
