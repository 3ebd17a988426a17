import { Type, type Static } from '@filing-sync/core';

const MiB = 1024 * 1024;

/**
 * The `sinks.<plugin name>` config section. Every option has a default, so the section may be omitted.
 * Credentials are not here: they come from the `credentials.<plugin name>` section (see
 * {@link WebDavCredentialsConfigSchema}) through the host's credential broker.
 * @public
 */
export const WebDavSinkConfigSchema = Type.Object(
  {
    requestTimeoutMs: Type.Optional(
      Type.Integer({ description: 'Longest wait for one HTTP exchange, in ms.', default: 120_000, minimum: 100, examples: [120_000] }),
    ),
    largeUploadThreshold: Type.Optional(
      Type.Integer({
        description: 'Files of this many bytes or more are streamed from disk instead of sent from memory.',
        default: 8 * MiB,
        minimum: 1,
        examples: [8 * MiB],
      }),
    ),
    createMissingFolders: Type.Optional(
      Type.Boolean({
        description: 'Create the target folder and its missing parents (MKCOL). When false, a missing folder is reported as TargetMissing.',
        default: true,
      }),
    ),
    allowInsecureHttp: Type.Optional(
      Type.Boolean({
        description: 'Allow dav:// (plain HTTP) targets on hosts other than loopback. Credentials then cross the network unencrypted.',
        default: false,
      }),
    ),
    caseInsensitive: Type.Optional(
      Type.Boolean({
        description: 'The server treats names differing only in case as one file (IIS, SharePoint, Windows-backed servers).',
        default: false,
      }),
    ),
  },
  { additionalProperties: false, description: 'WebDAV sink (RFC 4918: PUT, MKCOL, PROPFIND, PROPPATCH).' },
);

/** The `sinks.<plugin name>` config section. */
export type WebDavSinkConfig = Static<typeof WebDavSinkConfigSchema>;

/** The config with every default filled in. */
export interface ResolvedWebDavSinkConfig {
  requestTimeoutMs: number;
  largeUploadThreshold: number;
  createMissingFolders: boolean;
  allowInsecureHttp: boolean;
  caseInsensitive: boolean;
}

/** Fills in the defaults of {@link WebDavSinkConfigSchema}. */
export function resolveWebDavSinkConfig(config: WebDavSinkConfig | undefined): ResolvedWebDavSinkConfig {
  return {
    requestTimeoutMs: config?.requestTimeoutMs ?? 120_000,
    largeUploadThreshold: config?.largeUploadThreshold ?? 8 * MiB,
    createMissingFolders: config?.createMissingFolders ?? true,
    allowInsecureHttp: config?.allowInsecureHttp ?? false,
    caseInsensitive: config?.caseInsensitive ?? false,
  };
}
