/**
 * The `source` section of the configuration for the filing service, and its checks.
 * @packageDocumentation
 */
import { ConfigError, type ConfigIssue, type RetryPolicy, type Static, Type, urlForDisplay } from '@filing-sync/core';

/**
 * JSON Schema of the section. The token is a secret (`"x-secret": true`): give it inline or, better,
 * as `tokenFile`.
 * @public
 */
export const FilingServiceConfigSchema = Type.Object(
  {
    url: Type.String({
      format: 'uri',
      pattern: '^https?://',
      description: 'Base URL of the filing service (the API lives under /v1).',
      examples: ['https://filing.example.com'],
    }),
    tenant: Type.String({ minLength: 1, description: 'Tenant id at the filing service.', examples: ['acme'] }),
    token: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: 'Bearer token of the tenant. Prefer tokenFile.' })),
    tokenFile: Type.Optional(
      Type.String({ minLength: 1, 'x-path': true, description: 'File whose first line is the bearer token; re-read when the service refuses the token. A relative path is relative to the config file.', examples: ['/etc/filing-sync/token'] }),
    ),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000, description: 'Per request: time allowed until the reply starts, and the longest pause while a message streams.' }),
    ),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Items per page when listing locations and pending filings.' })),
    inlineContentMaxBytes: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1_048_576,
        default: 262_144,
        description: 'Messages up to this size come with the claim itself, saving a request each; 0 fetches every message on its own.',
      }),
    ),
    retry: Type.Optional(
      Type.Object(
        {
          maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 5, description: 'Attempts per request, the first included.' }),
          baseDelayMs: Type.Integer({ minimum: 0, default: 250, description: 'First backoff; doubled per attempt, with jitter.' }),
          maxDelayMs: Type.Integer({ minimum: 0, default: 10_000, description: 'Longest backoff (a longer Retry-After is still honoured).' }),
        },
        { additionalProperties: false, description: 'Retries of throttled (429), unavailable (5xx) and failed (network) requests.' },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The section as written. @public */
export type FilingServiceConfig = Static<typeof FilingServiceConfigSchema>;

/** The section with defaults applied and checked. @public */
export interface ResolvedFilingServiceConfig {
  /** Base URL without a trailing slash. */
  url: string;
  tenant: string;
  token?: string;
  tokenFile?: string;
  timeoutMs: number;
  pageSize: number;
  /** Largest message asked to come inline with a claim (0: none). */
  inlineContentMaxBytes: number;
  retry: RetryPolicy;
}

/** Where the section sits in the configuration file, for error messages. */
const SECTION = 'source';

/** Default retry policy of the source's requests: shorter than the engine's, it retries only one request. */
export const SOURCE_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 10_000 };

/**
 * Applies defaults and checks what the schema cannot express (exactly one of token and tokenFile, a
 * usable URL). Throws one {@link ConfigError} listing every problem, each naming its key.
 * @public
 */
export function resolveConfig(config: FilingServiceConfig): ResolvedFilingServiceConfig {
  const issues: ConfigIssue[] = [];
  const key = (k: string) => `${SECTION}.${k}`;
  const c = (config ?? {}) as Partial<FilingServiceConfig>;

  let url = '';
  if (typeof c.url !== 'string' || c.url === '') issues.push({ key: key('url'), expected: 'the filing service base URL, e.g. https://filing.example.com' });
  else {
    try {
      const parsed = new URL(c.url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
      if (parsed.username || parsed.password) issues.push({ key: key('url'), expected: 'a URL without user name or password (use token or tokenFile)' });
      url = parsed.toString().replace(/\/+$/, '');
    } catch {
      issues.push({ key: key('url'), expected: 'an http:// or https:// URL', found: urlForDisplay(c.url) });
    }
  }
  if (typeof c.tenant !== 'string' || c.tenant === '') issues.push({ key: key('tenant'), expected: 'the tenant id (a non-empty string)' });
  const hasToken = typeof c.token === 'string' && c.token !== '';
  const hasFile = typeof c.tokenFile === 'string' && c.tokenFile !== '';
  if (hasToken === hasFile) {
    issues.push({ key: key(hasToken ? 'tokenFile' : 'token'), expected: hasToken ? 'token or tokenFile, not both' : 'a bearer token: set token or tokenFile' });
  }
  const int = (name: string, value: unknown, fallback: number, min: number, max: number): number => {
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    issues.push({ key: key(name), expected: `an integer from ${min} to ${max}`, found: JSON.stringify(value) });
    return fallback;
  };
  const timeoutMs = int('timeoutMs', c.timeoutMs, 30_000, 100, 600_000);
  const pageSize = int('pageSize', c.pageSize, 100, 1, 1000);
  const inlineContentMaxBytes = int('inlineContentMaxBytes', c.inlineContentMaxBytes, 262_144, 0, 1_048_576);
  const r = (c.retry ?? {}) as Partial<RetryPolicy>;
  const retry: RetryPolicy = {
    maxAttempts: int('retry.maxAttempts', r.maxAttempts, SOURCE_RETRY_POLICY.maxAttempts, 1, 20),
    baseDelayMs: int('retry.baseDelayMs', r.baseDelayMs, SOURCE_RETRY_POLICY.baseDelayMs, 0, 60_000),
    maxDelayMs: int('retry.maxDelayMs', r.maxDelayMs, SOURCE_RETRY_POLICY.maxDelayMs, 0, 600_000),
  };
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    url,
    tenant: c.tenant!,
    ...(hasToken ? { token: c.token! } : {}),
    ...(hasFile ? { tokenFile: c.tokenFile! } : {}),
    timeoutMs,
    pageSize,
    inlineContentMaxBytes,
    retry,
  };
}
