import { ConfigError, type ConfigIssue, type Static, Type } from '@filing-sync/core';

const MiB = 1024 * 1024;

/** Most bytes Dropbox takes in one upload request. */
export const DROPBOX_MAX_REQUEST_BYTES = 150 * MiB;

/**
 * Config of the `sinks.dropbox` section.
 * @public
 */
export const DropboxSinkConfigSchema = Type.Object({
  uploadThreshold: Type.Optional(Type.Integer({
    minimum: 1, maximum: DROPBOX_MAX_REQUEST_BYTES, default: 8 * MiB,
    description: 'Files of this many bytes or more go through an upload session (start / append / finish); smaller ones in one request. At most 150 MiB.',
  })),
  chunkSize: Type.Optional(Type.Integer({
    minimum: 4 * MiB, maximum: 148 * MiB, multipleOf: 4 * MiB, default: 8 * MiB,
    description: 'Bytes per upload-session request: a multiple of 4 MiB, at most 148 MiB. Each chunk is held in memory.',
  })),
  pathRoot: Type.Optional(Type.Union([
    Type.Literal('home'),
    Type.Literal('team-root'),
    Type.Object({ namespaceId: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ], {
    description: 'Which namespace dropbox:/ paths start in: "home" (the member\'s folder, default), "team-root" (the team space, found from the account), or {"namespaceId": "..."} for one shared or team folder.',
    examples: ['team-root', { namespaceId: '3235641' }],
  })),
  selectUser: Type.Optional(Type.String({ minLength: 1, description: 'Team member id (dbmid:...) a team-scoped token acts as.', examples: ['dbmid:AAHhy7WsR0x-u4ZCqiDl5Fz5zvuL3kmspwU'] })),
  requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000, default: 300_000, description: 'Longest one request may take, in ms; a slower one is abandoned and retried later.' })),
  baseUrl: Type.Optional(Type.String({ description: 'Send every Dropbox call to this origin instead (an API double or proxy). Leave unset in production.' })),
}, { additionalProperties: false });

/** See {@link DropboxSinkConfigSchema}. */
export type DropboxSinkConfig = Static<typeof DropboxSinkConfigSchema>;

/** {@link DropboxSinkConfig} with defaults applied and checked. */
export interface ResolvedDropboxSinkConfig {
  uploadThreshold: number;
  chunkSize: number;
  pathRoot: 'home' | 'team-root' | { namespaceId: string };
  selectUser?: string;
  baseUrl?: string;
  requestTimeoutMs: number;
}

/**
 * Applies defaults and checks the section; throws {@link ConfigError} listing every bad key.
 * @public
 */
export function resolveDropboxSinkConfig(config: DropboxSinkConfig | undefined): ResolvedDropboxSinkConfig {
  const c = config ?? {};
  const issues: ConfigIssue[] = [];
  const uploadThreshold = c.uploadThreshold ?? 8 * MiB;
  const chunkSize = c.chunkSize ?? 8 * MiB;
  if (!Number.isInteger(uploadThreshold) || uploadThreshold < 1 || uploadThreshold > DROPBOX_MAX_REQUEST_BYTES) {
    issues.push({ key: 'sinks.dropbox.uploadThreshold', expected: 'a whole number of bytes from 1 to 157286400 (150 MiB)', found: String(c.uploadThreshold) });
  }
  if (!Number.isInteger(chunkSize) || chunkSize < 4 * MiB || chunkSize > 148 * MiB || chunkSize % (4 * MiB) !== 0) {
    issues.push({ key: 'sinks.dropbox.chunkSize', expected: 'a multiple of 4194304 (4 MiB) up to 155189248 (148 MiB)', found: String(c.chunkSize) });
  }
  const pathRoot = c.pathRoot ?? 'home';
  if (!(pathRoot === 'home' || pathRoot === 'team-root' || (typeof pathRoot === 'object' && typeof pathRoot.namespaceId === 'string' && pathRoot.namespaceId !== ''))) {
    issues.push({ key: 'sinks.dropbox.pathRoot', expected: '"home", "team-root" or {"namespaceId": "<id>"}', found: JSON.stringify(c.pathRoot) });
  }
  if (c.selectUser !== undefined && (typeof c.selectUser !== 'string' || c.selectUser === '')) {
    issues.push({ key: 'sinks.dropbox.selectUser', expected: 'a team member id such as dbmid:...', found: String(c.selectUser) });
  }
  const requestTimeoutMs = c.requestTimeoutMs ?? 300_000;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1000) {
    issues.push({ key: 'sinks.dropbox.requestTimeoutMs', expected: 'a whole number of milliseconds, at least 1000', found: String(c.requestTimeoutMs) });
  }
  if (issues.length) throw new ConfigError(issues);
  return {
    uploadThreshold, chunkSize, pathRoot, requestTimeoutMs,
    ...(c.selectUser === undefined ? {} : { selectUser: c.selectUser }),
    ...(c.baseUrl === undefined ? {} : { baseUrl: c.baseUrl }),
  };
}
