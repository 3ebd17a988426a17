import { runSinkConformance } from '@filing-sync/conformance';
import type { EgnyteDouble } from '@filing-sync/doubles';
import { makeSink, startDouble, tokenBroker } from './egnyte-setup.test.js';

let double: EgnyteDouble;

/** Folder names under /Shared for a request: `depth` of them missing. */
function folderFor(label: string, depth: number): string[] {
  return ['conformance', label, ...Array.from({ length: depth - 1 }, (_, i) => `level ${i + 1}`)];
}

runSinkConformance({
  name: 'egnyte',
  async before() {
    double = await startDouble({ minChunkSize: 16 * 1024 });
  },
  async after() {
    await double.close();
  },
  async createTarget({ depth, label }) {
    const parent = ['Shared', 'conformance'];
    double.mkdir(`/${parent.join('/')}`);
    const folder = ['Shared', ...folderFor(label, depth)];
    const path = `/${folder.join('/')}`;
    // A factory per target: one check's throttling hold must not slow the next check.
    const sink = await makeSink(double, `egnyte://acme/${folder.map(encodeURIComponent).join('/')}`, {
      config: { chunkedUploadThreshold: 256 * 1024, chunkSize: 64 * 1024, requestTimeoutMs: 4000 },
    });
    return {
      sink,
      list: async () => double.fileNames(path),
      read: async (name) => {
        const file = double.file(`${path}/${name}`);
        if (!file) throw new Error(`${path}/${name} is not stored`);
        return file.bytes;
      },
      modifiedAt: async (name) => double.file(`${path}/${name}`)?.lastModified,
      cleanup: async () => undefined,
      folder: path,
    };
  },
  async makeReadOnly(target) {
    double.denyWrites((target as unknown as { folder: string }).folder);
  },
  async missingTarget({ label }) {
    const sink = await makeSink(double, `egnyte://acme/Private/no-such-user-${label}/Filed`, { config: { requestTimeoutMs: 4000 } });
    return { sink, list: async () => [], read: async () => { throw new Error('nothing is stored under a missing root'); }, cleanup: async () => undefined };
  },
  async invalidCredentials({ label }) {
    const folder = `/Shared/conformance/${label}`;
    const sink = await makeSink(double, `egnyte://acme${folder.split('/').map(encodeURIComponent).join('/')}`, { credentials: tokenBroker('not-a-valid-token') });
    return { sink, list: async () => double.fileNames(folder), read: async () => Buffer.alloc(0), cleanup: async () => undefined };
  },
  faults: {
    injector: () => double.faults,
    upload: /fs-content/,
    timeoutHoldMs: 8000,
  },
});
