/**
 * One request to the Filing Service API: bearer token, timeout, retries of throttling, 5xx and network
 * failures through the core's `retrying()` (honouring `Retry-After`), and every failure mapped into
 * the error taxonomy. Nothing here ever puts the token in an error or a log line.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse, type Method } from 'axios';
import {
  AuthError,
  ConfigError,
  type FilingSyncError,
  type Logger,
  PermanentError,
  type SecretRegistry,
  TransientError,
  fromHttpClientError,
  retrying,
} from '@filing-sync/core';
import type { ResolvedFilingServiceConfig } from './config.js';

/** What a failed request left: only what is safe to keep (no request headers, so no token). */
export interface Failure {
  message: string;
  code?: string;
  response?: { status: number; headers: Record<string, string>; data: unknown };
}

/** A failure's API error body, `{"error": {"code", "message", "details"}}`, when it has one. */
export function apiError(failure: Failure): { code?: string; message?: string; details?: Record<string, unknown> } {
  const e = (failure.response?.data as { error?: unknown } | undefined)?.error;
  return e && typeof e === 'object' ? (e as { code?: string; message?: string; details?: Record<string, unknown> }) : {};
}

/** One request. */
export interface RequestSpec {
  /** Names the operation in errors and logs, e.g. `claim`. */
  op: string;
  method: Method;
  /** Path below `/v1/tenants/{tenant}`, already encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Answer as a stream (`data` is a `Readable`). */
  stream?: boolean;
  /** Answer as bytes (`data` is a `Buffer`), for answers that are not always JSON. */
  bytes?: boolean;
  /** `Accept` header; default `application/json`. */
  accept?: string;
  /**
   * Maps failures this operation gives a meaning of its own (409 lease errors, 404 of a filing)
   * before the common mapping; returns `undefined` to leave it to the common mapping.
   */
  refine?: (failure: Failure) => FilingSyncError | undefined;
}

const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * The API client of one tenant.
 * @public
 */
export class FilingServiceHttp {
  private readonly http: AxiosInstance;
  private token: string | undefined;

  constructor(
    private readonly config: ResolvedFilingServiceConfig,
    private readonly logger: Logger,
    private readonly secrets?: SecretRegistry,
  ) {
    this.token = config.token;
    this.http = axios.create({
      baseURL: `${config.url}/v1/tenants/${encodeURIComponent(config.tenant)}`,
      timeout: config.timeoutMs,
      maxRedirects: 0,
      headers: { accept: 'application/json' },
    });
  }

  /**
   * Sends the request, retrying transient failures by the configured policy. Resolves with the
   * response (a stream as `data` when `spec.stream`). Rejects with the taxonomy's errors, or with
   * the signal's reason when aborted.
   */
  async send<T = unknown>(spec: RequestSpec, signal?: AbortSignal): Promise<AxiosResponse<T>> {
    let outcome = await this.attempts<T>(spec, signal);
    // A token file may have been rotated since we read it: read it again, once, with a fresh retry budget (a
    // reload must not use up the attempts, or a single-attempt policy would end in a passing error, not a 401).
    if ('failure' in outcome && outcome.failure.response?.status === 401 && this.config.tokenFile) {
      this.token = undefined;
      this.logger.debug({ op: spec.op }, 'filing service refused the token; reading the token file again');
      outcome = await this.attempts<T>(spec, signal);
    }
    if ('response' in outcome) return outcome.response;
    throw spec.refine?.(outcome.failure) ?? this.common(spec, outcome.failure);
  }

  /**
   * The request, retried by the configured policy while it fails in passing. Resolves with the response, or with
   * the final failure the service answered; rejects with {@link TransientError} once the retries are spent, or with
   * the signal's reason when aborted.
   */
  private async attempts<T>(spec: RequestSpec, signal?: AbortSignal): Promise<{ response: AxiosResponse<T> } | { failure: Failure }> {
    return retrying(
      async (): Promise<{ response: AxiosResponse<T> } | { failure: Failure }> => {
        await this.afterRequestedPause(signal);
        const token = await this.bearer();
        try {
          const response = await this.http.request<T>({
            method: spec.method,
            url: spec.path,
            ...(spec.query ? { params: spec.query } : {}),
            ...(spec.body !== undefined ? { data: spec.body } : {}),
            ...(spec.stream ? { responseType: 'stream' as const } : spec.bytes ? { responseType: 'arraybuffer' as const } : {}),
            headers: { authorization: `Bearer ${token}`, ...(spec.accept ? { accept: spec.accept } : {}) },
            ...(signal ? { signal } : {}),
          });
          return { response };
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          const failure = await toFailure(err);
          const status = failure.response?.status;
          if (status === undefined || RETRYABLE_STATUSES.has(status)) {
            const transient = fromHttpClientError(failure, this.describe(spec), errorText);
            // A Retry-After speaks for the service, not for one request: no call goes out before it.
            const wait = (transient as { retryAfterMs?: number }).retryAfterMs;
            if (wait !== undefined) this.notBefore = Math.max(this.notBefore, Date.now() + wait);
            throw transient;
          }
          return { failure };
        }
      },
      {
        policy: this.config.retry,
        ...(signal ? { signal } : {}),
        onRetry: (error, attempt, delayMs) =>
          this.logger.debug({ op: spec.op, attempt, delayMs, reason: error.message }, 'filing service request failed; retrying'),
      },
    );
  }

  /** The earliest time the service asked to be called again (from its last Retry-After). */
  private notBefore = 0;

  /** Waits out the pause the service last asked for, if any; rejects only when `signal` fires. */
  private async afterRequestedPause(signal?: AbortSignal): Promise<void> {
    const wait = this.notBefore - Date.now();
    if (wait > 0) await sleep(wait, undefined, signal ? { signal } : {});
  }

  /** The common meaning of a final failure. */
  private common(spec: RequestSpec, failure: Failure): FilingSyncError {
    const status = failure.response?.status;
    const said = apiError(failure);
    const what = this.describe(spec);
    const detail = said.message ? ` (${said.message})` : '';
    if (status === 401) {
      return new AuthError(`${what} failed: the filing service refused the token (HTTP 401)${detail}.`, {
        action: `Check the token${this.config.tokenFile ? ` in ${this.config.tokenFile}` : ''} of tenant ${this.config.tenant}, then restart.`,
        cause: failure,
      });
    }
    if (status === 403) {
      return new AuthError(`${what} failed: the token is not allowed for tenant ${this.config.tenant} (HTTP 403)${detail}.`, {
        action: 'Use a token issued for this tenant, or correct source.tenant.',
        cause: failure,
      });
    }
    if (status === 404 && said.code === 'tenant_not_found') {
      return new ConfigError([{ key: 'source.tenant', expected: 'a tenant the filing service knows', found: JSON.stringify(this.config.tenant) }], { cause: failure });
    }
    if (status === 404 || status === 405) {
      return new ConfigError([{ key: 'source.url', expected: 'the base URL of a Filing Service API (v1)', found: `${JSON.stringify(this.config.url)}: ${spec.method} ${spec.path} gave HTTP ${status}` }], { cause: failure });
    }
    if (status !== undefined && status >= 300 && status < 400) {
      return new ConfigError([{ key: 'source.url', expected: 'the base URL of a Filing Service API (v1), not one that redirects', found: JSON.stringify(this.config.url) }], { cause: failure });
    }
    if (status === 400 || status === 422) return new PermanentError(`${what} was refused by the filing service (HTTP ${status})${detail}.`, { cause: failure });
    return fromHttpClientError(failure, what, errorText);
  }

  /** `claim (POST /claims)`, for messages. */
  describe(spec: RequestSpec): string {
    return `Filing service ${spec.op} (${spec.method} ${spec.path})`;
  }

  /** The bearer token, read from `tokenFile` when configured (first line; read again after a 401). */
  private async bearer(): Promise<string> {
    if (this.token !== undefined) return this.token;
    const file = this.config.tokenFile!;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ConfigError([{ key: 'source.tokenFile', expected: 'a readable file holding the bearer token', found: `${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})` }]);
    }
    const token = text.split(/\r?\n/)[0]!.trim();
    if (!token) throw new ConfigError([{ key: 'source.tokenFile', expected: 'a file whose first line is the bearer token', found: `${JSON.stringify(file)} (empty)` }]);
    this.secrets?.addIssued(token);
    this.token = token;
    return token;
  }
}

/** The API's error text, for messages. */
function errorText(data: unknown): string | undefined {
  const e = (data as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (e && typeof e.message === 'string') return typeof e.code === 'string' ? `${e.code}: ${e.message}` : e.message;
  return typeof data === 'string' && data.trim() ? data.trim().slice(0, 300) : undefined;
}

/** Keeps what is safe from an axios error, reading a streamed error body (bounded). */
async function toFailure(err: unknown): Promise<Failure> {
  if (!axios.isAxiosError(err)) return { message: (err as Error)?.message ?? String(err) };
  const failure: Failure = { message: err.message, ...(err.code ? { code: err.code } : {}) };
  if (err.response) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(err.response.headers ?? {})) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
    let data: unknown = err.response.data;
    if (data && typeof (data as Readable).pipe === 'function') data = await readSmall(data as Readable);
    else if (Buffer.isBuffer(data)) data = data.subarray(0, 64 * 1024).toString('utf8');
    if (typeof data === 'string' && (headers['content-type'] ?? '').includes('json')) {
      try {
        data = JSON.parse(data);
      } catch {
        // Not JSON after all: keep the text.
      }
    }
    failure.response = { status: err.response.status, headers, data };
  }
  return failure;
}

/** The first 64 KiB of an error body, as text; the rest is discarded. */
async function readSmall(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size > 65_536) break;
    }
  } catch {
    // A broken error body: keep what arrived.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}
