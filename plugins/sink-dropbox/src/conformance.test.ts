import { runSinkConformance, silentLogger, staticCredentials, type TestTarget } from '@filing-sync/conformance';
import type { CredentialBroker } from '@filing-sync/core';
import { DropboxDouble, trustTestCertificate } from '@filing-sync/doubles';
import { DropboxRefreshTokenProvider } from './dropbox-token-provider.js';
import { dropboxSinkFactory } from './dropbox-sink-factory.js';
import type { DropboxSinkConfig } from './dropbox-config.js';

// The sink against the Dropbox double, with credentials from the refresh-token provider, a 4 MiB
// threshold and 4 MiB chunks so the large-file checks go through several session appends.
let double: DropboxDouble;
let broker: CredentialBroker;
const MiB = 1024 * 1024;
const config: DropboxSinkConfig = { uploadThreshold: 4 * MiB, chunkSize: 4 * MiB, requestTimeoutMs: 2_000 };

function folderOf(label: string, depth: number): string {
  return ['/Filed', label, ...Array.from({ length: depth - 1 }, (_, i) => `level ${i + 2}`)].join('/');
}

async function target(folder: string, options: { credentials?: CredentialBroker; config?: DropboxSinkConfig; namespace?: string } = {}): Promise<TestTarget> {
  const sink = await dropboxSinkFactory.create(
    new URL(`dropbox:${encodeURI(folder)}`),
    { ...config, baseUrl: double.url, ...options.config },
    { credentials: options.credentials ?? broker, logger: silentLogger() },
  );
  const ns = options.namespace;
  return {
    sink,
    list: async () => double.list(folder, ns),
    read: async (name) => {
      const file = double.file(`${folder}/${name}`, ns);
      if (!file) throw new Error(`${folder}/${name} is not in the double`);
      return file.content;
    },
    modifiedAt: async (name) => {
      const file = double.file(`${folder}/${name}`, ns);
      return file ? new Date(file.clientModified) : undefined;
    },
    putExternally: async (name, bytes) => void double.putFile(`${folder}/${name}`, bytes, ns),
    cleanup: async () => double.remove(folder, ns),
  };
}

const folders = new WeakMap<TestTarget, string>();

runSinkConformance({
  name: 'dropbox (Dropbox API double)',
  async before() {
    await trustTestCertificate();
    double = await DropboxDouble.start();
    const provider = new DropboxRefreshTokenProvider({ appKey: 'test-app-key', refreshToken: 'test-refresh-token', baseUrl: double.url });
    broker = { get: (r) => provider.get(r), invalidate: (r) => provider.invalidate(r) };
  },
  after: () => double.close(),
  async createTarget({ depth, label }) {
    const folder = folderOf(label, depth);
    const t = await target(folder);
    folders.set(t, folder);
    return t;
  },
  async makeReadOnly(t) {
    double.readOnly.add(folders.get(t)!.toLowerCase());
  },
  // A shared folder namespace the account cannot use (unshared or deleted).
  missingTarget: ({ depth, label }) => target(folderOf(label, depth), { config: { pathRoot: { namespaceId: '999999' } }, namespace: '999999' }),
  invalidCredentials: ({ depth, label }) => target(folderOf(label, depth), { credentials: staticCredentials({ type: 'bearer', accessToken: 'revoked-token' }) }),
  faults: {
    injector: () => double.server.faults,
    upload: /^POST \/2\/files\/upload/,
    timeoutHoldMs: 4_000,
  },
  // Dropbox keeps client_modified to the second.
  modifiedTimePrecisionMs: 1000,
});
