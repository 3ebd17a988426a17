import { Type, type Static } from '@filing-sync/core';

const MiB = 1024 * 1024;

/**
 * The `sinks.projectwise` config section. Every option has a default.
 * @public
 */
export const ProjectWiseSinkConfigSchema = Type.Object(
  {
    baseUrl: Type.Optional(
      Type.String({
        description: 'WSG root; `{server}` is replaced by the host of the target URI.',
        default: 'https://{server}/ws',
        pattern: '^https?://',
      }),
    ),
    apiVersion: Type.Optional(
      Type.String({ description: 'WSG API version in the URL (v2.x).', default: '2.8', pattern: '^2\\.\\d+$', examples: ['2.4', '2.8'] }),
    ),
    tokenScheme: Type.Optional(
      Type.Union([Type.Literal('Token'), Type.Literal('Bearer')], {
        description: 'How a token credential is sent: `Authorization: Token …` (WSG, Bentley IMS) or `Bearer …`.',
        default: 'Token',
      }),
    ),
    chunkedUploadThreshold: Type.Optional(
      Type.Integer({
        description: 'Files of this many bytes or more are created under a partial name, their $file sent in chunks, then renamed.',
        default: 32 * MiB,
        minimum: 1,
      }),
    ),
    chunkSize: Type.Optional(Type.Integer({ description: 'Bytes per $file chunk.', default: 8 * MiB, minimum: 1 })),
    callsPerSecond: Type.Optional(
      Type.Number({ description: 'Calls per second per server; unlimited when omitted.', exclusiveMinimum: 0 }),
    ),
    requestTimeoutMs: Type.Optional(Type.Integer({ description: 'Longest wait for one HTTP exchange, in ms.', default: 300_000, minimum: 1000 })),
    partialMaxAgeMinutes: Type.Optional(
      Type.Integer({
        description:
          'Another installation\'s stray `.<name>.<hex>.partial` documents older than this are removed when a target is first used ' +
          '(this installation\'s own at once).',
        default: 10,
        minimum: 1,
      }),
    ),
  },
  { additionalProperties: false, description: 'ProjectWise sink (Bentley Web Services Gateway 2.x, PW_WSG schema).' },
);

/** The `sinks.projectwise` config section. */
export type ProjectWiseSinkConfig = Static<typeof ProjectWiseSinkConfigSchema>;

/** The config with defaults filled in. */
export interface ResolvedProjectWiseConfig {
  baseUrl: string;
  apiVersion: string;
  tokenScheme: 'Token' | 'Bearer';
  chunkedUploadThreshold: number;
  chunkSize: number;
  callsPerSecond: number | undefined;
  requestTimeoutMs: number;
  /** {@link ProjectWiseSinkConfig.partialMaxAgeMinutes} in ms. */
  partialMaxAgeMs: number;
}

/** The config with defaults filled in. Does no checking: the host validated it against the schema. */
export function resolveProjectWiseConfig(config: ProjectWiseSinkConfig | undefined): ResolvedProjectWiseConfig {
  return {
    baseUrl: config?.baseUrl ?? 'https://{server}/ws',
    apiVersion: config?.apiVersion ?? '2.8',
    tokenScheme: config?.tokenScheme ?? 'Token',
    chunkedUploadThreshold: config?.chunkedUploadThreshold ?? 32 * MiB,
    chunkSize: config?.chunkSize ?? 8 * MiB,
    callsPerSecond: config?.callsPerSecond,
    requestTimeoutMs: config?.requestTimeoutMs ?? 300_000,
    partialMaxAgeMs: (config?.partialMaxAgeMinutes ?? 10) * 60_000,
  };
}
