import { ConfigError, type ConfigIssue, type Static, Type } from '@filing-sync/core';

/** Box takes upload sessions only for files of 20 MB or more. */
export const BOX_MIN_CHUNKED_SIZE = 20_000_000;
/** Box recommends upload sessions above 50 MB. */
export const BOX_MAX_SIMPLE_UPLOAD = 50_000_000;

/** URLs of the Box API: the defaults, or an API double's. */
export const BoxEndpointsSchema = {
  baseUrl: Type.Optional(Type.String({ description: 'API base URL (default https://api.box.com); set only for an API double or proxy.' })),
  uploadUrl: Type.Optional(Type.String({ description: 'Upload base URL (default https://upload.box.com/api; with baseUrl set, baseUrl + "/api").' })),
};

/**
 * Config of the `sinks.box` section.
 * @public
 */
export const BoxSinkConfigSchema = Type.Object({
  uploadThreshold: Type.Optional(Type.Integer({
    minimum: BOX_MIN_CHUNKED_SIZE, maximum: BOX_MAX_SIMPLE_UPLOAD, default: BOX_MIN_CHUNKED_SIZE,
    description: 'Files of this many bytes or more use a chunked upload session; smaller ones one upload. From 20000000 (Box\'s minimum for sessions) to 50000000.',
  })),
  rootFolderId: Type.Optional(Type.String({ pattern: '^[0-9]+$', default: '0', description: 'Id of the folder box:/ paths start from: 0 (the account\'s All Files, default) or a folder shared with the account.', examples: ['0', '163439436224'] })),
  requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000, default: 300_000, description: 'Longest one request may take, in ms; a slower one is abandoned and retried later.' })),
  asUser: Type.Optional(Type.String({ minLength: 1, description: 'Box user id to act as (As-User), for a service account with that right.', examples: ['11446498'] })),
  ...BoxEndpointsSchema,
}, { additionalProperties: false });

/** See {@link BoxSinkConfigSchema}. */
export type BoxSinkConfig = Static<typeof BoxSinkConfigSchema>;

/** {@link BoxSinkConfig} with defaults applied and checked. */
export interface ResolvedBoxSinkConfig {
  uploadThreshold: number;
  rootFolderId: string;
  requestTimeoutMs: number;
  asUser?: string;
  baseUrl?: string;
  uploadUrl?: string;
}

/**
 * Applies defaults and checks the section; throws {@link ConfigError} listing every bad key.
 * @public
 */
export function resolveBoxSinkConfig(config: BoxSinkConfig | undefined): ResolvedBoxSinkConfig {
  const c = config ?? {};
  const issues: ConfigIssue[] = [];
  const uploadThreshold = c.uploadThreshold ?? BOX_MIN_CHUNKED_SIZE;
  if (!Number.isInteger(uploadThreshold) || uploadThreshold < BOX_MIN_CHUNKED_SIZE || uploadThreshold > BOX_MAX_SIMPLE_UPLOAD) {
    issues.push({ key: 'sinks.box.uploadThreshold', expected: 'a whole number of bytes from 20000000 to 50000000', found: String(c.uploadThreshold) });
  }
  const rootFolderId = c.rootFolderId ?? '0';
  if (typeof rootFolderId !== 'string' || !/^[0-9]+$/.test(rootFolderId)) issues.push({ key: 'sinks.box.rootFolderId', expected: 'a Box folder id (digits), 0 for All Files', found: String(c.rootFolderId) });
  const requestTimeoutMs = c.requestTimeoutMs ?? 300_000;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1000) issues.push({ key: 'sinks.box.requestTimeoutMs', expected: 'a whole number of milliseconds, at least 1000', found: String(c.requestTimeoutMs) });
  issues.push(...checkUrls(c, 'sinks.box'));
  if (issues.length) throw new ConfigError(issues);
  return { uploadThreshold, rootFolderId, requestTimeoutMs, ...(c.asUser ? { asUser: c.asUser } : {}), ...endpoints(c) };
}

/** The base URLs to give the SDK, if any were configured. */
export function endpoints(c: { baseUrl?: string | undefined; uploadUrl?: string | undefined }): { baseUrl?: string; uploadUrl?: string } {
  if (c.baseUrl === undefined && c.uploadUrl === undefined) return {};
  const baseUrl = (c.baseUrl ?? 'https://api.box.com').replace(/\/+$/, '');
  return { baseUrl, uploadUrl: (c.uploadUrl ?? (c.baseUrl === undefined ? 'https://upload.box.com/api' : `${baseUrl}/api`)).replace(/\/+$/, '') };
}

/** Issues for `baseUrl` / `uploadUrl` that are not http(s) URLs. */
export function checkUrls(c: { baseUrl?: string | undefined; uploadUrl?: string | undefined }, section: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of ['baseUrl', 'uploadUrl'] as const) {
    const v = c[key];
    if (v === undefined) continue;
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(v).protocol);
    } catch {
      ok = false;
    }
    if (!ok) issues.push({ key: `${section}.${key}`, expected: 'an absolute http(s) URL', found: v });
  }
  return issues;
}
