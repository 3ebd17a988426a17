import { join } from 'node:path';
import { pino, type Logger, type DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';
import type { SecretRegistry } from './secret-registry.js';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level?: string;
  /** Human-readable lines instead of JSON (default: when stdout is a TTY). */
  pretty?: boolean;
  /** Where to write; stdout by default. */
  destination?: DestinationStream;
  /** Secret values to blank from every line. */
  secrets?: SecretRegistry;
  /** Also write to these rotating files (see {@link openLogFiles}). Ignored with `destination`. */
  files?: DestinationStream;
  /** With `files`: also write to stdout (default true). */
  stdout?: boolean;
}

/** Keys whose values are never logged, wherever they appear. */
const REDACT_PATHS = [
  'token', 'accessToken', 'refreshToken', 'password', 'clientSecret', 'secret', 'authorization', 'apiKey',
  '*.token', '*.accessToken', '*.refreshToken', '*.password', '*.clientSecret', '*.secret', '*.authorization', '*.apiKey',
  'headers.authorization', '*.headers.authorization', 'config.headers.Authorization', '*.config.headers.Authorization',
];

/**
 * The process logger: pino JSON lines (readable on a TTY), with secrets removed twice over — by
 * key (`redact`) and by value ({@link SecretRegistry}) in messages and serialised errors.
 * @public
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets;
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(secrets
      ? {
          hooks: {
            logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
              method.apply(this, args.map((a) => scrubValue(a, secrets, 0)));
            },
          },
        }
      : {}),
  };
  if (options.destination) return pino(base, options.destination);
  // Everything is written from this thread: a transport thread would cost its own heap (~14 MiB).
  const stdout = (): DestinationStream =>
    pretty ? pinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }) : pino.destination({ dest: 1, sync: true });
  if (!options.files) return pino(base, stdout());
  const streams = options.stdout === false ? [options.files] : [stdout(), options.files];
  return pino(base, pino.multistream(streams.map((stream) => ({ stream, level: base.level as pino.Level }))));
}

/** Where and how much to keep of the log files. */
export interface LogFilesOptions {
  dir: string;
  /** Size at which a file is rotated, e.g. `10m`. */
  maxSize: string;
  /** Rotated files kept besides the current one. */
  keep: number;
}

/**
 * Opens rotating log files, `filing-sync.<n>.log` in `dir` (created if missing), rotated daily or
 * at `maxSize`, the newest `keep` older files kept (pino-roll). Lines are written synchronously,
 * so none is lost when the process ends. Rejects when the folder cannot be created or written.
 * @public
 */
export async function openLogFiles(options: LogFilesOptions): Promise<DestinationStream> {
  // Loaded here, not with core: it takes longer to load than the rest of logging, and only `run` writes log files.
  const { default: pinoRoll } = await import('pino-roll');
  return pinoRoll({
    file: join(options.dir, 'filing-sync.log'),
    size: options.maxSize,
    frequency: 'daily',
    mkdir: true,
    limit: { count: options.keep },
    sync: true,
  });
}

/**
 * Copies `value` with secrets blanked in strings and errors, and in an error's `cause`. Bounded depth keeps it cheap:
 * below that depth what is left is logged as its scrubbed JSON text rather than as it is.
 */
function scrubValue(value: unknown, secrets: SecretRegistry, depth: number): unknown {
  if (secrets.size === 0) return value;
  if (typeof value === 'string') return secrets.scrub(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 3) return jsonText(value, secrets);
  if (value instanceof Error) {
    const copy = new Error(secrets.scrub(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : secrets.scrub(value.stack);
    for (const [k, v] of Object.entries(value)) (copy as unknown as Record<string, unknown>)[k] = scrubValue(v, secrets, depth + 1);
    // Not enumerable, so not copied above; an SDK's error often carries the request in it.
    if (value.cause !== undefined) copy.cause = scrubValue(value.cause, secrets, depth + 1);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, secrets, depth + 1);
  return out;
}

/**
 * `value` as JSON text with secrets blanked in its strings before they are escaped (an escaped `"` or `\` in a
 * secret would no longer match); `[unserialisable]` for what JSON cannot hold (cycles, BigInt).
 */
function jsonText(value: object, secrets: SecretRegistry): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? secrets.scrub(v) : v)) ?? String(value);
  } catch {
    return '[unserialisable]';
  }
}
