import { join } from 'node:path';
import { pino, type Logger, type DestinationStream } from 'pino';
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
  /**
   * Also write to rotating files (`filing-sync.<n>.log` in `dir`, through pino-roll in pino's
   * transport thread): rotated daily or at `maxSize`, the newest `keep` files kept. Ignored with
   * `destination`.
   */
  files?: { dir: string; maxSize: string; keep: number };
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
  const stdout = pretty
    ? { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } }
    : { target: 'pino/file', options: { destination: 1 } };
  if (options.files && !options.destination) {
    const file = {
      target: 'pino-roll',
      options: { file: join(options.files.dir, 'filing-sync.log'), size: options.files.maxSize, frequency: 'daily', mkdir: true, limit: { count: options.files.keep } },
    };
    const targets = options.stdout === false ? [file] : [stdout, file];
    return pino({ ...base, transport: { targets: targets.map((t) => ({ ...t, level: base.level })) } });
  }
  if (pretty) return pino({ ...base, transport: stdout });
  return options.destination ? pino(base, options.destination) : pino(base);
}

/** Copies `value` with secrets blanked in strings and errors; bounded depth keeps it cheap. */
function scrubValue(value: unknown, secrets: SecretRegistry, depth: number): unknown {
  if (secrets.size === 0) return value;
  if (typeof value === 'string') return secrets.scrub(value);
  if (depth > 3 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const copy = new Error(secrets.scrub(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : secrets.scrub(value.stack);
    for (const [k, v] of Object.entries(value)) (copy as unknown as Record<string, unknown>)[k] = scrubValue(v, secrets, depth + 1);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, secrets, depth + 1);
  return out;
}
