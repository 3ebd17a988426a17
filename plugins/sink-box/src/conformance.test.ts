import { runSinkConformance, silentLogger, staticCredentials, type TestTarget } from '@filing-sync/conformance';
import type { CredentialBroker, SinkFactory } from '@filing-sync/core';
import { BoxDouble, testCertificate, trustTestCertificate } from '@filing-sync/doubles';
import { createBoxCredentialProviderFactory } from './box-credentials.js';
import { createBoxSinkFactory } from './box-sink-factory.js';
import type { BoxSinkConfig } from './box-config.js';

// The sink against the Box double with CCG credentials. Box takes upload sessions only from
// 20 MB, so the large-file checks send a file above the 20 MB threshold in 8 MiB parts.
let double: BoxDouble;
let broker: CredentialBroker;
let factory: SinkFactory<BoxSinkConfig>;
const config: BoxSinkConfig = { requestTimeoutMs: 2_000 };

function folderOf(label: string, depth: number): string {
  return ['/Filed', label, ...Array.from({ length: depth - 1 }, (_, i) => `level ${i + 2}`)].join('/');
}

async function target(folder: string, options: { credentials?: CredentialBroker; config?: BoxSinkConfig } = {}): Promise<TestTarget> {
  const sink = await factory.create(
    new URL(`box:${encodeURI(folder)}`),
    { ...config, baseUrl: double.url, ...options.config },
    { credentials: options.credentials ?? broker, logger: silentLogger() },
  );
  return {
    sink,
    list: async () => double.list(folder),
    read: async (name) => {
      const file = double.fileAt(`${folder}/${name}`);
      if (!file) throw new Error(`${folder}/${name} is not in the double`);
      return file.content;
    },
    modifiedAt: async (name) => {
      const at = double.fileAt(`${folder}/${name}`)?.contentModifiedAt;
      return at ? new Date(at) : undefined;
    },
    putExternally: async (name, bytes) => {
      // As another Box client would: into the folder, created level by level if need be.
      let parent = double.folders.get('0')!;
      for (const segment of folder.split('/').filter(Boolean)) {
        parent = double.folderAt(`${double.pathOf(parent.id)}/${segment}`) ?? double.addFolder(parent.id, segment);
      }
      double.addFile(parent.id, name, bytes);
    },
    cleanup: async () => double.remove(folder),
  };
}

const folders = new WeakMap<TestTarget, string>();

runSinkConformance({
  name: 'box (Box API double)',
  async before() {
    await trustTestCertificate();
    double = await BoxDouble.start();
    // The SDK's HTTPS agent is its own: it trusts the double's certificate through the transport options.
    const transport = { agentOptions: { ca: [(await testCertificate()).cert] } };
    factory = createBoxSinkFactory(transport);
    const provider = createBoxCredentialProviderFactory(transport).create(
      { method: 'ccg', clientId: 'box-client-id', clientSecret: 'box-client-secret', enterpriseId: '818181', baseUrl: double.url },
      { logger: silentLogger(), stateDir: '.' },
    );
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
    double.denyWrites(folders.get(t)!);
  },
  // A shared root folder that no longer exists (or was never shared with the account).
  missingTarget: ({ depth, label }) => target(folderOf(label, depth), { config: { rootFolderId: '987654321' } }),
  invalidCredentials: ({ depth, label }) => target(folderOf(label, depth), { credentials: staticCredentials({ type: 'bearer', accessToken: 'revoked-token' }) }),
  faults: {
    injector: () => double.server.faults,
    upload: /^(POST \/api\/2\.0\/files\/content|PUT \/api\/2\.0\/files\/upload_sessions\/)/,
    timeoutHoldMs: 4_000,
  },
  // Box keeps content_modified_at to the second.
  modifiedTimePrecisionMs: 1000,
});
