import { Type, type Static } from '@sinclair/typebox';

/**
 * The core's part of the configuration file. Plugin sections (`source`, `sinks.<name>`,
 * `credentials.<name>`) are validated against each plugin's own schema.
 * @public
 */
export const ConnectorConfigSchema = Type.Object(
  {
    source: Type.Object({}, { additionalProperties: true, default: {}, description: 'The filing service, validated by the source plugin.' }),
    stateDir: Type.String({ minLength: 1, default: './var/state', description: 'Folder of the state store, spool and logs.' }),
    connectorId: Type.Optional(Type.String({ minLength: 1, maxLength: 240, description: 'Name this connector holds the tenant lease under (default: host and pid); the installation\'s id is added to it, so that two machines given the same name do not pass for one.' })),
    poll: Type.Object(
      {
        intervalSeconds: Type.Number({ exclusiveMinimum: 0, default: 30, description: 'Pause between polls when the queue is empty.' }),
        batchSize: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Filings reserved per poll.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    lease: Type.Object(
      { ttlSeconds: Type.Number({ minimum: 2, maximum: 3600, default: 60, description: 'Tenant lease lifetime; renewed every third of it. The Filing Service API grants at most an hour.' }) },
      { additionalProperties: false, default: {} },
    ),
    concurrency: Type.Object(
      {
        filings: Type.Integer({ minimum: 1, maximum: 64, default: 48, description: 'Filings processed at once (messages up to 4 MiB are held in memory while written, 64 MiB for all of them together).' }),
        perSink: Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 64 }), {
          default: {},
          description: 'Writes at once per sink plugin, e.g. {"filesystem": 8, "onedrive": 2}.',
        }),
        defaultPerSink: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'Writes at once for sinks not listed in perSink.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    retry: Type.Object(
      {
        maxAttempts: Type.Integer({ minimum: 1, maximum: 50, default: 6 }),
        baseDelayMs: Type.Integer({ minimum: 0, default: 500 }),
        maxDelayMs: Type.Integer({ minimum: 0, default: 30_000 }),
      },
      { additionalProperties: false, default: {}, description: 'Retries of transient failures within one delivery.' },
    ),
    defaultFormat: Type.String({
      minLength: 1,
      default: 'msg',
      description: 'Formatter (msg or eml) for locations whose format the filing service leaves empty.',
    }),
    naming: Type.Object(
      {
        template: Type.String({ minLength: 1, default: '{sent:iso} {subject}', description: 'File name template, without extension.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    plugins: Type.Object(
      {
        load: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Extra plugins: package names or folder paths.' }),
        folder: Type.Optional(Type.String({ minLength: 1, description: 'A folder whose subfolders are plugin packages (partner plugins).' })),
      },
      { additionalProperties: false, default: {} },
    ),
    sinks: Type.Record(Type.String(), Type.Object({}, { additionalProperties: true }), {
      default: {},
      description: 'Per sink plugin settings, validated by each plugin.',
    }),
    credentials: Type.Record(Type.String(), Type.Object({}, { additionalProperties: true }), {
      default: {},
      description: 'Per credential provider settings, validated by each provider.',
    }),
    log: Type.Object(
      {
        level: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace')], { default: 'info' }),
        pretty: Type.Optional(Type.Boolean({ description: 'Readable lines instead of JSON (default: on a TTY).' })),
        files: Type.Object(
          {
            enabled: Type.Boolean({ default: true, description: 'Also write the log to rotating files in <stateDir>/logs.' }),
            maxSize: Type.String({ pattern: '^[1-9][0-9]*[kmg]$', default: '10m', description: 'Size at which a log file is rotated, e.g. 10m.' }),
            keep: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Rotated log files kept.' }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    license: Type.Optional(Type.String({ minLength: 1, description: 'Path of Sync-license.lic.' })),
  },
  { additionalProperties: false },
);

/** The validated core configuration, defaults applied. @public */
export type ConnectorConfig = Static<typeof ConnectorConfigSchema>;
