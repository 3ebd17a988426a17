/**
 * Runs the conformance suite against an {@link HttpMemorySink}, with the fault checks on.
 * @packageDocumentation
 */
import { runSinkConformance, type TargetRequest, type TestTarget } from '@filing-sync/conformance';
import type { RunningDouble } from '@filing-sync/doubles';
import { HttpMemorySink, startHttpStore, type HttpSinkFaults, type HttpStore } from './http-memory-sink.js';

/** Registers the suite for an HTTP memory sink named `name`. */
export function runHttpMemoryConformance(name: string, faults?: HttpSinkFaults): void {
  const store: HttpStore = new Map();
  let server: RunningDouble;
  const folderOf = (request: TargetRequest): string =>
    ['root', request.label, ...Array.from({ length: request.depth - 1 }, (_, i) => `level ${i + 2}`)].join('/');
  const inFolder = (folder: string) => [...store.entries()].filter(([k]) => k.startsWith(`${folder.toLowerCase()}/`) && !k.slice(folder.length + 1).includes('/'));
  runSinkConformance({
    name,
    async before() {
      server = await startHttpStore(store);
    },
    after: () => server.close(),
    async createTarget(request): Promise<TestTarget> {
      const folder = folderOf(request);
      return {
        sink: new HttpMemorySink(server.url, folder, faults),
        list: async () => inFolder(folder).map(([, v]) => v.name),
        read: async (n) => {
          const found = inFolder(folder).find(([, v]) => v.name === n);
          if (!found) throw new Error(`no ${n} in ${folder}`);
          return found[1].bytes;
        },
        cleanup: async () => {
          for (const [k] of inFolder(folder)) store.delete(k);
        },
      };
    },
    faults: { injector: () => server.faults, upload: /^PUT /, timeoutHoldMs: 3000 },
    // Only the fault checks are the point here; the in-memory reference runs the rest.
    skip: { 'names/*': 'covered by the memory reference', 'place/*': 'covered by the memory reference' },
  });
}
