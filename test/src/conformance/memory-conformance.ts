/**
 * Runs the conformance suite against a {@link MemorySink}, correct or with faults.
 * @packageDocumentation
 */
import { runSinkConformance, type SinkConformanceOptions, type TargetRequest, type TestTarget } from '@filing-sync/conformance';
import { MemorySink, MemoryStore, type MemorySinkFaults } from './memory-sink.js';

/** Registers the suite for a memory sink named `name`; `extra` overrides suite options. */
export function runMemoryConformance(name: string, faults?: MemorySinkFaults, extra: Partial<SinkConformanceOptions> = {}): void {
  const store = new MemoryStore();
  const folderOf = (root: string, request: TargetRequest): string =>
    [root, request.label, ...Array.from({ length: request.depth - 1 }, (_, i) => `level ${i + 2}`)].join('/');
  const target = (folder: string, badCredentials = false): TestTarget => {
    const sink = new MemorySink(store, folder, { badCredentials, ...(faults ? { faults } : {}) });
    return {
      sink,
      list: async () => store.files(folder).map((f) => f.name),
      read: async (n) => {
        const found = store.files(folder).find((f) => f.name === n);
        if (!found) throw new Error(`no ${n} in ${folder}`);
        return found.bytes;
      },
      putExternally: async (n, bytes) => {
        const files = store.folders.get(folder) ?? new Map();
        store.folders.set(folder, files);
        files.set(n.toLowerCase(), { name: n, bytes, modifiedAt: new Date() });
      },
      cleanup: async () => {
        for (const key of [...store.folders.keys()]) if (key === folder || key.startsWith(`${folder}/`)) store.folders.delete(key);
      },
    };
  };
  runSinkConformance({
    name,
    createTarget: async (request) => target(folderOf('mem', request)),
    makeReadOnly: async (t) => void store.readOnly.add(t.sink.displayPath.slice('mem://'.length, -1)),
    missingTarget: async (request) => target(folderOf('unmounted', request)),
    invalidCredentials: async (request) => target(folderOf('mem', request), true),
    skip: { 'faults/*': 'memory: there is no network to fail' },
    modifiedTimePrecisionMs: 0,
    ...extra,
  });
}
