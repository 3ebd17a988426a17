import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootConnector } from '@filing-sync/core';
import { startFilingServiceDouble, startGraphDouble, trustTestCertificate } from '@filing-sync/doubles';
import { microsoftGraphCredentials } from '@filing-sync/sink-onedrive';
import { SERVICE_PLUGINS, benchLicence, silent } from './bench-support.js';

/** Throughput at one concurrency. */
export interface CloudLatencyRow {
  concurrency: number;
  files: number;
  seconds: number;
  perSecond: number;
  /** Graph requests per filed message. */
  requestsPerFile: number;
}

const TENANT_ID = 'bench.onmicrosoft.com';
const CLIENT_ID = '5e1d0c3b-0000-4000-8000-0000000be4c1';
const CLIENT_SECRET = 'bench-client-secret';

/**
 * Files `files` small messages to a OneDrive folder on the Graph double, which answers every
 * request `latencyMs` late (a far-away cloud), with writes to it limited to each concurrency in
 * turn (`concurrency.perSink.onedrive`, and as many filings at once). Each concurrency gets a fresh
 * double, state store and folder.
 */
export async function cloudLatency(concurrencies: readonly number[] = [1, 2, 4, 8], files = 60, latencyMs = 50): Promise<CloudLatencyRow[]> {
  await trustTestCertificate();
  const rows: CloudLatencyRow[] = [];
  for (const concurrency of concurrencies) {
    const root = await mkdtemp(join(tmpdir(), 'filing-sync-bench-cloud-'));
    const graph = await startGraphDouble({ latencyMs });
    graph.identity.register({ tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const drive = graph.addDrive('b!bench-drive', 'Bench');
    const filing = await startFilingServiceDouble({
      manifest: { tenant: 'bench', token: 'bench-token', filings: [], locations: [{ id: 'L1', name: 'Cloud', format: 'eml', targets: [`onedrive://${drive.id}/Bench/email`] }] },
    });
    try {
      for (let i = 0; i < files; i++) {
        await filing.addFiling({
          id: `F${i}`, location: 'L1',
          raw: `From: a@example.com\r\nTo: b@example.com\r\nSubject: Cloud ${i}\r\nDate: Sat, 28 Nov 2026 14:46:13 +0000\r\nMessage-ID: <cloud-${i}@example.com>\r\n\r\n${'Body text. '.repeat(400)}\r\n`,
        });
      }
      const connector = await bootConnector(
        { variant: 'service', plugins: [...SERVICE_PLUGINS, '@filing-sync/sink-onedrive'], credentialFactories: [microsoftGraphCredentials], resolveFrom: import.meta.url },
        {
          overrides: [
            { key: 'source.url', value: filing.url }, { key: 'source.tenant', value: 'bench' }, { key: 'source.token', value: 'bench-token' },
            { key: 'stateDir', value: join(root, 'state') }, { key: 'license', value: await benchLicence(root, 'bench') },
            { key: 'log.level', value: 'error' }, { key: 'log.files.enabled', value: false }, { key: 'poll.batchSize', value: 100 },
            { key: 'concurrency.filings', value: concurrency }, { key: 'concurrency.perSink', value: { onedrive: concurrency } },
            { key: 'sinks.onedrive', value: { graphBaseUrl: graph.url, customHosts: ['127.0.0.1'] } },
            { key: 'credentials.microsoft-graph', value: { tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorityHost: graph.url } },
          ],
          logDestination: silent(),
        },
      );
      try {
        const before = graph.http.requests.filter((r) => r.url.startsWith('/v1.0/')).length;
        const started = performance.now();
        const summary = await connector.engine.run({ once: true });
        const seconds = (performance.now() - started) / 1000;
        if (summary.reported !== files) throw new Error(`concurrency ${concurrency}: reported ${summary.reported} of ${files}`);
        const requests = graph.http.requests.filter((r) => r.url.startsWith('/v1.0/')).length - before;
        rows.push({ concurrency, files, seconds, perSecond: files / seconds, requestsPerFile: requests / files });
      } finally {
        connector.close();
      }
    } finally {
      await filing.close();
      await graph.close();
      await rm(root, { recursive: true, force: true });
    }
  }
  return rows;
}
