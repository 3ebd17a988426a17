import type { Content } from './content.js';
import type { MessageSummary } from './filing.js';
import type { PathRules } from './path-rules.js';

/**
 * What a sink can do, declared once so the engine, the namer and the conformance suite adapt to it.
 * @public
 */
export interface SinkCapabilities {
  /** Naming rules applied by the core's namer before any name reaches the sink. */
  pathRules: PathRules;
  /**
   * Hash kind the sink reports for stored files without downloading them (see {@link HashKind}),
   * or `undefined` when it can only report sizes. Without a hash, {@link placeFile} cannot prove a
   * file of the same name identical and writes a ` (2)` copy instead (nothing is ever hidden).
   */
  hashKind: string | undefined;
  /** Largest file the service accepts, in bytes; larger files fail with {@link PermanentError}. */
  maxFileSize?: number;
  /** `create` never replaces an existing file, even under concurrent writers. */
  atomicCreate: boolean;
  /** Files of this size or more take the chunked/session upload path. */
  largeUploadThreshold?: number;
  /** The stored file's modified time is set to the sent time. */
  setsModifiedTime: boolean;
}

/** What `check` found at the target. */
export type TargetAccess = 'writable' | 'denied' | 'missing';

/** A stored file as the sink sees it. */
export interface EntryInfo {
  /** Name within the target folder. */
  name: string;
  /** Full location to show a user: local path, or service path. */
  path: string;
  size: number;
  /** Hash of kind `capabilities.hashKind`, when the service reports one. */
  hash?: string;
  modifiedAt?: Date;
  /** A link that opens it in the service's web UI, when there is one. */
  webUrl?: string;
}

/** Options of {@link Sink.create}. */
export interface CreateOptions {
  /** Modified time to give the file (the message's sent time). */
  modifiedAt: Date;
  /**
   * The filed message (subject, from, sent time), for services that store a description with
   * the file (ProjectWise's document description). Optional: a sink must work without it.
   */
  message?: MessageSummary;
  signal?: AbortSignal;
}

/** Result of {@link Sink.create}: written, or refused because the name is taken. */
export type CreateResult =
  | { created: true; entry: EntryInfo }
  | { created: false; existing?: EntryInfo };

/**
 * One sync target: a folder in some storage, bound to its credentials. Created by a
 * {@link SinkFactory} per target URI.
 *
 * Collision policy (identical / ` (2)`) lives in the core ({@link placeFile}); a sink only offers the
 * no-clobber primitives. Errors are typed: {@link PermissionDenied}, {@link TargetMissing},
 * {@link AuthError}, {@link TransientError} (with `retryAfterMs`), {@link PermanentError}. A sink never
 * retries on its own beyond resuming an upload session it has open; the engine decides retries.
 * @public
 */
export interface Sink {
  /** What this sink can do. */
  readonly capabilities: SinkCapabilities;
  /**
   * Length of the target folder path in `pathRules.lengthUnit`, including a trailing separator, as the service
   * counts it against `maxPathLength`. A sink that learns its full path only from the service may give a
   * conservative estimate until its first `check`; the engine checks a target before naming a file for it.
   */
  readonly folderPathLength: number;
  /** The target folder as a user would recognise it (local path or service path). */
  readonly displayPath: string;
  /**
   * Probes the target: `writable` (it exists or can be created, and a write is allowed),
   * `denied` (no permission), `missing` (its root does not exist). Rejects with {@link AuthError}
   * when the credentials are refused and {@link TransientError} when the service cannot be reached.
   * May create the target folder.
   */
  check(signal?: AbortSignal): Promise<TargetAccess>;
  /**
   * Looks a name up in the target folder; `undefined` when there is none.
   * Rejects like {@link Sink.create}.
   */
  stat(name: string, signal?: AbortSignal): Promise<EntryInfo | undefined>;
  /**
   * Writes `content` under `name`, creating missing folders, only if no file has that name.
   * Atomic: readers see no file or the whole file, never part of it, and nothing partial is left
   * behind on failure. Resolves `{created: false}` when the name is taken (nothing written).
   * Rejects with {@link PermissionDenied} when writing is not allowed, {@link TransientError} for
   * passing failures, {@link PermanentError} when this content can never be stored there.
   */
  create(name: string, content: Content, options: CreateOptions): Promise<CreateResult>;
  /**
   * Removes what an interrupted write left behind (partial files, abandoned upload sessions).
   * Called once per target when the engine first uses the sink. Resolves with how many leftovers
   * it removed; never rejects for a leftover it could not remove (logs it instead).
   */
  recover?(signal?: AbortSignal): Promise<number>;
  /** Releases what the sink holds (connections, caches). Never rejects. */
  dispose?(): Promise<void>;
}
