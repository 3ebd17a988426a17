import { ConfigError, Type, type ConfigIssue, type RetryPolicy, type Static, urlForDisplay } from '@filing-sync/core';

/** Graph wants upload fragments in multiples of 320 KiB. */
export const FRAGMENT_UNIT = 320 * 1024;
const MiB = 1024 * 1024;

/**
 * The `sinks.onedrive` config section.
 * @public
 */
export const OneDriveConfigSchema = Type.Object(
  {
    largeUploadThreshold: Type.Integer({
      minimum: 0,
      maximum: 250 * MiB,
      default: 4 * MiB,
      description: 'Files of this many bytes or more go through an upload session; smaller ones are sent in one PUT.',
      examples: [4 * MiB],
    }),
    fragmentSize: Type.Integer({
      minimum: FRAGMENT_UNIT,
      maximum: 60 * MiB,
      multipleOf: FRAGMENT_UNIT,
      default: 10 * MiB,
      description: 'Bytes per upload-session fragment: a multiple of 320 KiB (327680), at most 60 MiB.',
      examples: [10 * MiB],
    }),
    graphBaseUrl: Type.String({
      format: 'uri',
      default: 'https://graph.microsoft.com',
      description: 'Microsoft Graph endpoint; change it for a national cloud (e.g. https://graph.microsoft.us).',
      examples: ['https://graph.microsoft.com'],
    }),
    customHosts: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Further host names (no port) that may receive the access token, e.g. a national cloud or a test double.',
      examples: [['graph.microsoft.us']],
    }),
    account: Type.Optional(
      Type.String({ minLength: 1, description: 'Which configured Microsoft account or tenant to ask credentials for, when there are several.' }),
    ),
    sessionRetry: Type.Object(
      {
        maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
        baseDelayMs: Type.Integer({ minimum: 0, default: 500 }),
        maxDelayMs: Type.Integer({ minimum: 0, default: 30_000 }),
      },
      {
        default: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 },
        description: 'How an open upload session is resumed after a failed fragment (Retry-After is always honoured).',
      },
    ),
    requestTimeoutMs: Type.Integer({
      minimum: 1_000,
      default: 300_000,
      description: 'Longest time one Graph request (one fragment included) may take before it is abandoned and retried later.',
    }),
    fragmentNotFoundPauseMs: Type.Integer({
      minimum: 0,
      default: 5_000,
      description: 'Pause before retrying a fragment answered 404 (the session is not visible everywhere yet).',
    }),
  },
  { additionalProperties: false },
);

/** The config section as written. @public */
export type OneDriveConfig = Static<typeof OneDriveConfigSchema>;

/** The config with every default filled in. */
export interface ResolvedOneDriveConfig {
  largeUploadThreshold: number;
  fragmentSize: number;
  graphBaseUrl: string;
  customHosts: string[];
  account: string | undefined;
  sessionRetry: RetryPolicy;
  fragmentNotFoundPauseMs: number;
  requestTimeoutMs: number;
}

/**
 * Fills in defaults and checks the section, so a factory called without the host's schema
 * validation still gets usable values. Throws {@link ConfigError} listing every problem.
 */
export function resolveConfig(raw: unknown, section = 'sinks.onedrive'): ResolvedOneDriveConfig {
  const issues: ConfigIssue[] = [];
  const c = (raw ?? {}) as Partial<OneDriveConfig> & Record<string, unknown>;
  if (typeof raw !== 'object' && raw !== undefined) issues.push({ key: section, expected: 'an object', found: typeof raw });
  const int = (key: string, value: unknown, def: number, min: number, max = Number.MAX_SAFE_INTEGER, unit = 1): number => {
    if (value === undefined) return def;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max || value % unit !== 0) {
      issues.push({
        key: `${section}.${key}`,
        expected: `an integer from ${min} to ${max}${unit > 1 ? ` and a multiple of ${unit}` : ''}`,
        found: JSON.stringify(value),
      });
      return def;
    }
    return value;
  };
  const largeUploadThreshold = int('largeUploadThreshold', c.largeUploadThreshold, 4 * MiB, 0, 250 * MiB);
  const fragmentSize = int('fragmentSize', c.fragmentSize, 10 * MiB, FRAGMENT_UNIT, 60 * MiB, FRAGMENT_UNIT);
  let graphBaseUrl = 'https://graph.microsoft.com';
  if (c.graphBaseUrl !== undefined) {
    if (typeof c.graphBaseUrl !== 'string' || !/^https:\/\/[^/]+/.test(c.graphBaseUrl)) {
      issues.push({ key: `${section}.graphBaseUrl`, expected: 'an https:// URL', found: urlForDisplay(String(c.graphBaseUrl)) });
    } else graphBaseUrl = c.graphBaseUrl.replace(/\/+$/, '');
  }
  let customHosts: string[] = [];
  if (c.customHosts !== undefined) {
    if (!Array.isArray(c.customHosts) || c.customHosts.some((h) => typeof h !== 'string' || h === '' || /[/:]/.test(h))) {
      issues.push({ key: `${section}.customHosts`, expected: 'a list of host names without scheme, port or path', found: JSON.stringify(c.customHosts) });
    } else customHosts = [...c.customHosts];
  }
  let account: string | undefined;
  if (c.account !== undefined) {
    if (typeof c.account !== 'string' || c.account === '') issues.push({ key: `${section}.account`, expected: 'a non-empty string' });
    else account = c.account;
  }
  const r = (c.sessionRetry ?? {}) as Partial<RetryPolicy>;
  const sessionRetry: RetryPolicy = {
    maxAttempts: int('sessionRetry.maxAttempts', r.maxAttempts, 5, 1, 20),
    baseDelayMs: int('sessionRetry.baseDelayMs', r.baseDelayMs, 500, 0),
    maxDelayMs: int('sessionRetry.maxDelayMs', r.maxDelayMs, 30_000, 0),
  };
  const fragmentNotFoundPauseMs = int('fragmentNotFoundPauseMs', c.fragmentNotFoundPauseMs, 5_000, 0);
  const requestTimeoutMs = int('requestTimeoutMs', c.requestTimeoutMs, 300_000, 1_000);
  const known = new Set(Object.keys(OneDriveConfigSchema.properties));
  for (const key of Object.keys(c)) if (!known.has(key)) issues.push({ key: `${section}.${key}`, expected: `no such option (known: ${[...known].join(', ')})` });
  if (issues.length > 0) throw new ConfigError(issues);
  return { largeUploadThreshold, fragmentSize, graphBaseUrl, customHosts, account, sessionRetry, fragmentNotFoundPauseMs, requestTimeoutMs };
}
