import { Type, type Static } from '@filing-sync/core';

const MiB = 1024 * 1024;

/**
 * The `sinks.egnyte` config section. Every option has a default, so the section may be omitted.
 * @public
 */
export const EgnyteSinkConfigSchema = Type.Object(
  {
    baseUrl: Type.Optional(
      Type.String({
        description:
          'API root; `{domain}` is replaced by the domain of the target URI. Change it only for a proxy or a test double.',
        default: 'https://{domain}.egnyte.com',
        examples: ['https://{domain}.egnyte.com'],
        pattern: '^https?://',
      }),
    ),
    callsPerSecond: Type.Optional(
      Type.Number({
        description: 'Calls per second per domain; Egnyte allows 2 per token unless raised on request.',
        default: 2,
        exclusiveMinimum: 0,
        maximum: 100,
      }),
    ),
    chunkedUploadThreshold: Type.Optional(
      Type.Integer({
        description: 'Files of this many bytes or more are sent as a chunked upload.',
        default: 100 * MiB,
        minimum: 1,
      }),
    ),
    chunkSize: Type.Optional(
      Type.Integer({
        description: 'Bytes per chunk of a chunked upload; Egnyte accepts 10 MiB to 1 GiB (the last chunk may be smaller).',
        default: 100 * MiB,
        minimum: 1,
        maximum: 1024 * MiB,
      }),
    ),
    requestTimeoutMs: Type.Optional(
      Type.Integer({ description: 'Longest wait for one HTTP exchange, in ms.', default: 300_000, minimum: 1000 }),
    ),
  },
  { additionalProperties: false, description: 'Egnyte sink (Egnyte Public API v1).' },
);

/** The `sinks.egnyte` config section. */
export type EgnyteSinkConfig = Static<typeof EgnyteSinkConfigSchema>;

/** The config with every default filled in. */
export interface ResolvedEgnyteConfig {
  baseUrl: string;
  callsPerSecond: number;
  chunkedUploadThreshold: number;
  chunkSize: number;
  requestTimeoutMs: number;
}

/** Fills in defaults. */
export function resolveEgnyteConfig(config: EgnyteSinkConfig | undefined): ResolvedEgnyteConfig {
  return {
    baseUrl: config?.baseUrl ?? 'https://{domain}.egnyte.com',
    callsPerSecond: config?.callsPerSecond ?? 2,
    chunkedUploadThreshold: config?.chunkedUploadThreshold ?? 100 * MiB,
    chunkSize: config?.chunkSize ?? 100 * MiB,
    requestTimeoutMs: config?.requestTimeoutMs ?? 300_000,
  };
}
