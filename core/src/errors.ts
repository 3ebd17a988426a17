/**
 * The error taxonomy shared by every plugin and the engine.
 *
 * Plugins map their SDK's errors into these classes; the engine alone decides what happens next
 * (retry, skip, report, stop). Every error carries `action`: what the user must do about it.
 *
 * @packageDocumentation
 */

/** The kinds of failure the engine distinguishes. */
export type ErrorKind =
  | 'config'
  | 'auth'
  | 'permission-denied'
  | 'target-missing'
  | 'transient'
  | 'permanent';

/** Options common to every {@link FilingSyncError}. */
export interface FilingSyncErrorOptions {
  /** What the user must do about it, in one sentence. */
  action?: string;
  /** The underlying error, kept for logs. */
  cause?: unknown;
}

/**
 * Base class of every error the engine understands.
 * @public
 */
export abstract class FilingSyncError extends Error {
  /** Which branch of the taxonomy this error belongs to. */
  abstract readonly kind: ErrorKind;
  /** What the user must do about it. */
  readonly action: string;

  constructor(message: string, options: FilingSyncErrorOptions = {}, defaultAction: string) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.action = options.action ?? defaultAction;
  }
}

/** One problem found while validating configuration. */
export interface ConfigIssue {
  /** Dotted path of the offending key, e.g. `plugins.dropbox.appKey`. */
  key: string;
  /** What was expected there, e.g. `a string of at least 1 character`. */
  expected: string;
  /** What was found, if useful to show. */
  found?: string;
}

/**
 * The configuration is wrong. Never retried: the user must fix the config.
 * Carries every problem found, not only the first.
 * @public
 */
export class ConfigError extends FilingSyncError {
  readonly kind = 'config' as const;
  /** Every problem found, each naming the key and what was expected. */
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue[] | string, options: FilingSyncErrorOptions = {}) {
    const list = typeof issues === 'string' ? [{ key: '', expected: issues }] : issues;
    super(ConfigError.describe(list), options, 'Fix the configuration and start again.');
    this.issues = list;
  }

  private static describe(issues: ConfigIssue[]): string {
    if (issues.length === 1 && issues[0]!.key === '') return `Invalid configuration: ${issues[0]!.expected}`;
    const lines = issues.map((i) => `  - ${i.key || '(root)'}: expected ${i.expected}${i.found === undefined ? '' : `, found ${i.found}`}`);
    return `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
  }
}

/**
 * Credentials are invalid, expired beyond refresh, or consent is missing.
 * Not retried until the credentials change; the filing stays pending.
 * @public
 */
export class AuthError extends FilingSyncError {
  readonly kind = 'auth' as const;
  constructor(message: string, options: FilingSyncErrorOptions = {}) {
    super(message, options, 'Sign in again or renew the credentials, then restart.');
  }
}

/**
 * The target exists but may not be written. The filing is skipped for that target and reported;
 * its other targets are still written.
 * @public
 */
export class PermissionDenied extends FilingSyncError {
  readonly kind = 'permission-denied' as const;
  constructor(message: string, options: FilingSyncErrorOptions = {}) {
    super(message, options, 'Grant the connector account write access to the folder.');
  }
}

/**
 * The target (or its root: a drive, share, site or library) does not exist and cannot be created.
 * The filing stays pending and is retried on a later pass.
 * @public
 */
export class TargetMissing extends FilingSyncError {
  readonly kind = 'target-missing' as const;
  constructor(message: string, options: FilingSyncErrorOptions = {}) {
    super(message, options, 'Check that the target folder, drive or share exists and is reachable.');
  }
}

/** Options of a {@link TransientError}. */
export interface TransientErrorOptions extends FilingSyncErrorOptions {
  /** How long the service asked us to wait, in milliseconds (from `Retry-After`). */
  retryAfterMs?: number;
}

/**
 * A passing failure: throttling, a 5xx, a reset connection, a timeout, a locked file.
 * The engine retries with exponential backoff and jitter, never sooner than `retryAfterMs`.
 * @public
 */
export class TransientError extends FilingSyncError {
  readonly kind = 'transient' as const;
  /** The wait the service asked for, in milliseconds, if it named one. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: TransientErrorOptions = {}) {
    super(message, options, 'Nothing: it is retried automatically.');
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Options of a {@link StoreBusy}. */
export interface StoreBusyOptions extends FilingSyncErrorOptions {
  /** The state folder. */
  dir: string;
  /** The lock file. */
  lockPath: string;
  /** The process that holds the lock, when it left its pid behind. */
  holderPid?: number;
}

/**
 * Another process on this machine uses the same state store. A passing condition, not a config
 * error: once the other process stops (a restarting service, a `run --once` that finishes), this
 * one can start, so a service manager should restart it rather than give up.
 * @public
 */
export class StoreBusy extends TransientError {
  /** The state folder. */
  readonly dir: string;
  /** The lock file. */
  readonly lockPath: string;
  /** The pid of the process holding the store, if known. */
  readonly holderPid: number | undefined;
  constructor(options: StoreBusyOptions) {
    // No parentheses in the message: doctor quotes it inside its own.
    super(
      `The state store in ${options.dir} is in use by another filing-sync process, ${options.holderPid === undefined ? 'pid unknown' : `pid ${options.holderPid}`}; lock file ${options.lockPath}`,
      {
        action: options.action ?? 'Stop the other filing-sync process, or give this one its own --state-dir; a service is restarted and starts once the store is free.',
        ...(options.cause === undefined ? {} : { cause: options.cause }),
      },
    );
    this.dir = options.dir;
    this.lockPath = options.lockPath;
    this.holderPid = options.holderPid;
  }
}

/**
 * This item can never succeed as it is (too large, a path the service refuses, quota exhausted).
 * Not retried; the outcome `failed` is recorded and reported with the reason.
 * @public
 */
export class PermanentError extends FilingSyncError {
  readonly kind = 'permanent' as const;
  constructor(message: string, options: FilingSyncErrorOptions = {}) {
    super(message, options, 'See the reason; the item will not be retried.');
  }
}

/**
 * Wraps anything thrown into the taxonomy: a {@link FilingSyncError} passes through, anything else
 * becomes a {@link TransientError} when it looks like a network failure and a
 * {@link PermanentError} otherwise.
 * @public
 */
export function toFilingSyncError(err: unknown): FilingSyncError {
  if (err instanceof FilingSyncError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  const message = e?.message ?? String(err);
  if (e?.code && TRANSIENT_CODES.has(e.code)) return new TransientError(message, { cause: err });
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return new TransientError(message, { cause: err });
  return new PermanentError(message, { cause: err });
}

/**
 * Whether `err` is this machine's failure rather than its input's: a {@link TransientError}, or a
 * file-system error of the local disk or process (full disk or quota, too many open files, an I/O
 * error, no memory, a folder it may not write). Doing the same work again later may succeed.
 * @public
 */
export function isMachineFailure(err: unknown): boolean {
  if (err instanceof TransientError) return true;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && MACHINE_CODES.has(code);
}

const MACHINE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE', 'EIO', 'EAGAIN', 'EBUSY', 'ENOMEM', 'EACCES', 'EPERM', 'EROFS']);

const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * Parses an HTTP `Retry-After` value (delta seconds or an HTTP date) into milliseconds.
 * Returns `undefined` when absent or unreadable.
 * @public
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
