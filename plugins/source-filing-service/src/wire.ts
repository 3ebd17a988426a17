/**
 * Reads the Filing Service API's JSON into the core's types, checking each field: a service that
 * sends something else gets an error naming the field, never a half-filled filing.
 * @packageDocumentation
 */
import type { Filing, Lease, Location, Mailbox, MessageSummary } from '@filing-sync/core';
import { utcIfZoneless } from '@filing-sync/core/rfc5322-date';

/** A reply that does not match the API; `field` names the first offending field. */
export class WireError extends Error {
  constructor(readonly field: string, expected: string, found: unknown) {
    super(`${field}: expected ${expected}, found ${describe(found)}`);
    this.name = 'WireError';
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

type Obj = Record<string, unknown>;

function object(v: unknown, field: string): Obj {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Obj;
  throw new WireError(field, 'an object', v);
}

function string(v: unknown, field: string): string {
  if (typeof v === 'string' && v !== '') return v;
  throw new WireError(field, 'a non-empty string', v);
}

function optionalString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  throw new WireError(field, 'a string', v);
}

/** A date-time field; one without a time zone is taken as UTC (see `utcIfZoneless`), as names and leases need. */
function dateTime(v: unknown, field: string): string {
  const s = utcIfZoneless(string(v, field));
  if (Number.isNaN(Date.parse(s))) throw new WireError(field, 'an ISO 8601 date-time', v);
  return s;
}

/** An array field of a page or list. */
export function array(v: unknown, field: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new WireError(field, 'an array', v);
}

/** A page of a list operation: `items` and an optional `nextCursor`. */
export function readPage(body: unknown): { items: unknown[]; nextCursor: string | undefined } {
  const o = object(body, '(body)');
  return { items: array(o.items, 'items'), nextCursor: optionalString(o.nextCursor, 'nextCursor') || undefined };
}

/** One entry of the `reportOutcomesBatch` answer: accepted, or the error that entry met. */
export interface ReportResult {
  id: string;
  error?: { code?: string; message?: string };
}

/**
 * The `reportOutcomesBatch` answer, which must hold one result per report sent, in the order sent: each result's
 * `id` must be the filing id at its place, so that no outcome is credited to another filing.
 */
export function readReportResults(body: unknown, sentIds: readonly string[]): ReportResult[] {
  const o = object(body, '(body)');
  const results = array(o.results, 'results');
  if (results.length !== sentIds.length) throw new WireError('results', `${sentIds.length} entries (one per report)`, results);
  return results.map((r, i) => {
    const entry = object(r, `results[${i}]`);
    const id = string(entry.id, `results[${i}].id`);
    if (id !== sentIds[i]) throw new WireError(`results[${i}].id`, JSON.stringify(sentIds[i]), id);
    if (entry.error === undefined) return { id };
    const e = object(entry.error, `results[${i}].error`);
    return { id, error: { code: optionalString(e.code, `results[${i}].error.code`), message: optionalString(e.message, `results[${i}].error.message`) } };
  });
}

/** OpenAPI `Lease`. */
export function readLease(body: unknown): Lease {
  const o = object(body, '(body)');
  return { id: string(o.id, 'id'), holder: string(o.holder, 'holder'), expiresAt: new Date(dateTime(o.expiresAt, 'expiresAt')) };
}

/** OpenAPI `LeaseInfo` (no id). */
export function readLeaseInfo(body: unknown): { holder: string; expiresAt: Date } {
  const o = object(body, '(body)');
  return { holder: string(o.holder, 'holder'), expiresAt: new Date(dateTime(o.expiresAt, 'expiresAt')) };
}

/** OpenAPI `Location`. */
export function readLocation(v: unknown, field: string): Location {
  const o = object(v, field);
  return {
    id: string(o.id, `${field}.id`),
    name: string(o.name, `${field}.name`),
    // Empty or absent: the connector's `defaultFormat` applies.
    format: optionalString(o.format, `${field}.format`) ?? '',
    targets: array(o.targets, `${field}.targets`).map((t, i) => string(t, `${field}.targets[${i}]`)),
  };
}

function readMailbox(v: unknown, field: string): Mailbox | undefined {
  if (v === undefined || v === null) return undefined;
  const o = object(v, field);
  const name = optionalString(o.name, `${field}.name`);
  const address = optionalString(o.address, `${field}.address`);
  return { ...(name ? { name } : {}), ...(address ? { address } : {}) };
}

function readSummary(v: unknown, field: string): MessageSummary {
  const o = object(v ?? {}, field);
  const messageId = optionalString(o.messageId, `${field}.messageId`);
  const subject = optionalString(o.subject, `${field}.subject`);
  const from = readMailbox(o.from, `${field}.from`);
  const sentAt = o.sentAt === undefined || o.sentAt === null ? undefined : dateTime(o.sentAt, `${field}.sentAt`);
  let size: number | undefined;
  if (o.size !== undefined && o.size !== null) {
    if (typeof o.size !== 'number' || !Number.isInteger(o.size) || o.size < 0) throw new WireError(`${field}.size`, 'a byte count', o.size);
    size = o.size;
  }
  return {
    ...(messageId !== undefined ? { messageId } : {}),
    ...(subject !== undefined ? { subject } : {}),
    ...(from ? { from } : {}),
    ...(sentAt !== undefined ? { sentAt } : {}),
    ...(size !== undefined ? { size } : {}),
  };
}

/** OpenAPI `Filing`, reduced to the core's {@link Filing} (extra fields are dropped). */
export function readFiling(v: unknown, field: string): Filing {
  const o = object(v, field);
  return {
    id: string(o.id, `${field}.id`),
    tenant: string(o.tenant, `${field}.tenant`),
    location: readLocation(o.location, `${field}.location`),
    filedAt: dateTime(o.filedAt, `${field}.filedAt`),
    message: readSummary(o.message, `${field}.message`),
  };
}

/** A claimed filing's inline `content` (base64), decoded, or `undefined` when it has none. */
export function readInlineContent(v: unknown, field: string): Buffer | undefined {
  const content = object(v, field).content;
  if (content === undefined || content === null) return undefined;
  // An empty message would be filed as an empty file, and the filing would leave the queue.
  if (typeof content === 'string' && content.length > 0 && content.length % 4 === 0) {
    const bytes = Buffer.from(content, 'base64');
    // Node skips characters outside the alphabet: a shorter result means the text was not base64.
    const padding = content.endsWith('==') ? 2 : content.endsWith('=') ? 1 : 0;
    if (bytes.length === (content.length / 4) * 3 - padding) return bytes;
  }
  const found = content === '' ? 'an empty string' : typeof content === 'string' ? `${content.length} characters that are not base64` : content;
  throw new WireError(`${field}.content`, 'the message in base64', found);
}

/** The `id` of a raw item, if it has one, for error messages. */
export function idOf(v: unknown): string | undefined {
  const id = (v as Obj | null)?.id;
  return typeof id === 'string' ? id : undefined;
}
