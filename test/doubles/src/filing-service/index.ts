/**
 * The filing-service double: the Filing Service API over an in-memory queue, for tests, `npm start`
 * and benchmarks.
 * @packageDocumentation
 */
export * from './double.js';
export * from './manifest.js';
export type { FilingState, LeaseGrant, ReportRecord, ReportedOutcome } from './queue.js';
export type { Summary } from './summary.js';
