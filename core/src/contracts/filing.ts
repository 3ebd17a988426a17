/**
 * The data a source hands to the engine and the outcomes the engine hands back.
 * @packageDocumentation
 */

/** A named filing destination and the places its messages are written to. */
export interface Location {
  /** The service's stable id of the location. */
  id: string;
  /** Human name, e.g. `Surrey Court`. Only shown, never used as a path. */
  name: string;
  /** Formatter name for files of this location: `eml` or `msg`. */
  format: string;
  /** Sync target URIs; the scheme selects the sink plugin (see {@link parseTargetUri}). */
  targets: string[];
}

/** A mailbox as named in a message header. */
export interface Mailbox {
  name?: string;
  address?: string;
}

/** What the source knows of a message without sending its bytes. */
export interface MessageSummary {
  messageId?: string;
  subject?: string;
  from?: Mailbox;
  /** Sent time (`Date:` header) as an ISO 8601 string, if the source parsed one. */
  sentAt?: string;
  /** Size of the raw RFC 5322 message in bytes. */
  size?: number;
}

/** One message to be written to one location, that is to each of its targets. */
export interface Filing {
  /** The service's id of the filing; stable across redeliveries. */
  id: string;
  tenant: string;
  location: Location;
  /** When the user filed it, ISO 8601. Fallback time for naming. */
  filedAt: string;
  message: MessageSummary;
}

/** What happened to one filing at one target. */
export type Outcome =
  /** Written under the intended name. */
  | 'created'
  /** The same bytes were already there under that name; nothing written. */
  | 'identical'
  /** Another file had the name; written with a ` (n)` suffix. */
  | 'renamed'
  /** The requested format could not be produced; written as `.eml` instead. */
  | 'degraded'
  /** The target may not be written (no permission); nothing written. */
  | 'skipped'
  /** It can never succeed as it is (see the reason); nothing written. */
  | 'failed';

/** Outcomes that end the work for a (filing, target) pair. */
export const FINAL_OUTCOMES: readonly Outcome[] = ['created', 'identical', 'renamed', 'degraded', 'skipped', 'failed'];

/** A content hash as a sink reports it. */
export interface ContentHash {
  /** Hash algorithm, see {@link HashKind}. */
  kind: string;
  /** Encoded as the service encodes it (hex for SHA families, base64 for quickXorHash). */
  value: string;
}

/** The result for one target, as recorded and reported. */
export interface TargetOutcome {
  /** The target URI, exactly as the location lists it. */
  target: string;
  outcome: Outcome;
  /** Where the file is: a local path or the service's path/URL. */
  path?: string;
  /** Bytes written (or found identical). */
  bytes?: number;
  hash?: ContentHash;
  /** Format actually written (`eml` when degraded). */
  format?: string;
  /** Why it was skipped, degraded or failed. */
  reason?: string;
}
