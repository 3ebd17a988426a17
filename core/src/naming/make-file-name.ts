/**
 * The namer: template + message fields + a sink's path rules → a safe file name.
 * @packageDocumentation
 */
import type { Filing } from '../contracts/filing.js';
import type { PathRules } from '../contracts/path-rules.js';
import type { MessageHeaders } from './read-message-headers.js';
import { parseRfc5322Date, utcIfZoneless } from './rfc5322-date.js';
import { NameTemplate, type NamingInput } from './name-template.js';
import { fitFileName } from './sanitize-segment.js';

/** Options of {@link makeFileName}. */
export interface MakeFileNameOptions {
  /** Defaults to {@link NameTemplate.default}. */
  template?: NameTemplate;
  /** The formatter's extension, e.g. `.eml`; always kept. */
  extension: string;
  /** The sink's rules (`sink.capabilities.pathRules`). */
  rules: PathRules;
  /** The sink's `folderPathLength`, so the whole path fits `rules.maxPathLength`. */
  folderPathLength: number;
}

/**
 * The file name for one message at one sink, e.g. `20261128T144613Z Site visit notes.eml`:
 * the template rendered, then made legal by {@link fitFileName}. Throws {@link PermanentError}
 * only when the target folder path is too long for any name.
 * @public
 */
export function makeFileName(input: NamingInput, options: MakeFileNameOptions): string {
  const template = options.template ?? NameTemplate.default;
  return fitFileName({ stem: template.render(input), extension: options.extension }, options.rules, options.folderPathLength);
}

/**
 * The {@link NamingInput} for a filing: the message's own headers when read (they are the
 * authority for the sent time), else the source's summary; the sent time falls back to the
 * filed-at time when neither has a readable date. Throws nothing: an unreadable `filedAt` becomes
 * the Unix epoch rather than losing the filing (the engine should have validated it).
 * @public
 */
export function namingInputFor(filing: Filing, headers?: MessageHeaders): NamingInput {
  const filedAt = readInstant(filing.filedAt) ?? new Date(0);
  const input: NamingInput = { filedAt, location: filing.location.name };
  const sentAt = headers?.date ?? readInstant(filing.message.sentAt);
  if (sentAt) input.sentAt = sentAt;
  const subject = headers?.subject ?? filing.message.subject;
  if (subject !== undefined) input.subject = subject;
  const from = headers?.from ?? filing.message.from;
  if (from) input.from = from;
  const messageId = headers?.messageId ?? filing.message.messageId;
  if (messageId) input.messageId = messageId;
  return input;
}

/**
 * An ISO 8601 string (or, leniently, an RFC 5322 date) as a Date; `undefined` when unreadable. One
 * without a time zone is UTC, not this machine's local time.
 */
function readInstant(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const iso = Date.parse(utcIfZoneless(value));
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(iso)) return new Date(iso);
  return parseRfc5322Date(value);
}
