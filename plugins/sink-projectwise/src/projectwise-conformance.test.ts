import { runSinkConformance } from '@filing-sync/conformance';
import type { ProjectWiseDouble } from '@filing-sync/doubles';
import { broker, makeSink, startDouble } from './projectwise-setup.test.js';

let double: ProjectWiseDouble;

runSinkConformance({
  name: 'projectwise',
  async before() {
    double = await startDouble();
  },
  async after() {
    await double.close();
  },
  async createTarget({ depth, label }) {
    double.mkdir('/conformance');
    const path = ['/conformance', label, ...Array.from({ length: depth - 1 }, (_, i) => `level ${i + 1}`)].join('/');
    const sink = await makeSink(double, path, { config: { chunkedUploadThreshold: 256 * 1024, chunkSize: 64 * 1024, requestTimeoutMs: 4000 } });
    const doc = (name: string) => double.documents(path).find((d) => d.name === name);
    return {
      sink,
      list: async () => double.documents(path).map((d) => d.name),
      read: async (name) => {
        const d = doc(name);
        if (!d?.bytes) throw new Error(`${path}/${name} is not stored`);
        return d.bytes;
      },
      cleanup: async () => undefined,
      folder: path,
    };
  },
  async makeReadOnly(target) {
    double.denyWrites((target as unknown as { folder: string }).folder);
  },
  knownFailures: {
    'access/denied-check': 'WSG offers no permission probe: a read-only folder is found on the first write, which rejects with PermissionDenied',
  },
  async missingTarget({ label }) {
    const sink = await makeSink(double, `/x/${label}`, { repository: 'Bentley.PW--nowhere~3AMissing', config: { requestTimeoutMs: 4000 } });
    return { sink, list: async () => [], read: async () => { throw new Error('nothing under a missing repository'); }, cleanup: async () => undefined };
  },
  async invalidCredentials({ label }) {
    const path = `/conformance/${label}`;
    const sink = await makeSink(double, path, { credentials: broker({ type: 'basic', username: 'filer', password: 'wrong' }) });
    return { sink, list: async () => double.documents(path).map((d) => d.name), read: async () => Buffer.alloc(0), cleanup: async () => undefined };
  },
  faults: { injector: () => double.faults, upload: /PW_WSG\/Document/, timeoutHoldMs: 8000 },
});
