// Shared set-up of the plugin's tests: a Graph double, an app registration, the MSAL provider
// pointed at the double, and a factory configured to reach it. Holds no tests itself.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProviderBroker, createLogger, type CredentialBroker, type CredentialRequest, type Logger, type Sink } from '@filing-sync/core';
import { startGraphDouble, trustTestCertificate, type GraphDouble } from '@filing-sync/doubles';
import { microsoftGraphCredentials } from './msal-credentials.js';
import { OneDriveSinkFactory } from './sink-factory.js';
import type { OneDriveConfig } from './config.js';

export const TENANT = 'contoso.onmicrosoft.com';
export const CLIENT_ID = '6f1c7d2e-0000-4000-8000-00000000a11c';
export const CLIENT_SECRET = 'not-a-real-secret-~8Q';

/** A broker that counts what the sink asked of it. */
export class CountingBroker implements CredentialBroker {
  gets = 0;
  invalidations = 0;
  constructor(private readonly inner: CredentialBroker) {}
  get(request: CredentialRequest, signal?: AbortSignal) {
    this.gets++;
    return this.inner.get(request, signal);
  }
  invalidate(request: CredentialRequest): void {
    this.invalidations++;
    this.inner.invalidate(request);
  }
}

/** Everything a test needs. */
export interface GraphFixture {
  graph: GraphDouble;
  broker: CountingBroker;
  logger: Logger;
  factory: OneDriveSinkFactory;
  /** Sink options that reach the double, with fast session retries. */
  config: OneDriveConfig;
  sink(uri: string, config?: Partial<OneDriveConfig>, broker?: CredentialBroker): Promise<Sink>;
  close(): Promise<void>;
}

export async function startGraphFixture(): Promise<GraphFixture> {
  await trustTestCertificate();
  const graph = await startGraphDouble();
  graph.identity.register({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  const logger = createLogger({ level: 'silent' });
  const stateDir = await mkdtemp(path.join(tmpdir(), 'onedrive-test-'));
  const provider = microsoftGraphCredentials.create(
    { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorityHost: graph.url },
    { logger, stateDir },
  );
  const broker = new CountingBroker(new ProviderBroker([provider]));
  const factory = new OneDriveSinkFactory();
  const config = {
    graphBaseUrl: graph.url,
    customHosts: ['127.0.0.1'],
    fragmentNotFoundPauseMs: 20,
    sessionRetry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 100 },
  } as OneDriveConfig;
  return {
    graph,
    broker,
    logger,
    factory,
    config,
    sink: (uri, extra = {}, b = broker) => factory.create(new URL(uri), { ...config, ...extra } as OneDriveConfig, { credentials: b, logger }),
    close: () => graph.close(),
  };
}

/** Deterministic bytes of a given size (not all zero, so hashes differ by content). */
export function bytesOf(size: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
