import { runSinkConformance, staticCredentials, type TestTarget } from '@filing-sync/conformance';
import type { DriveStore } from '@filing-sync/doubles';
import { GRAPH_FRAGMENT_UNIT } from '@filing-sync/doubles';
import { startGraphFixture, type GraphFixture } from './graph-fixture.test.js';
import type { OneDriveConfig } from './config.js';

// The sink against the Graph double, through a SharePoint site and library (the production case),
// with a 1 MiB threshold and 320 KiB fragments so the large-file checks span several fragments.
let fx: GraphFixture;
let library: DriveStore;
const paths = new WeakMap<TestTarget, string>();
const SITE = 'sharepoint://contoso.sharepoint.com/sites/Conformance/Shared Documents';
const options: Partial<OneDriveConfig> = {
  largeUploadThreshold: 1024 * 1024,
  fragmentSize: GRAPH_FRAGMENT_UNIT,
  // Below the hold of the timeout fault, so a request that never answers is abandoned by the sink.
  requestTimeoutMs: 5_000,
};

function folderOf(label: string, depth: number): string {
  return ['Filed', label, ...Array.from({ length: depth - 1 }, (_, i) => `level ${i + 2}`)].join('/');
}

function target(sinkPromise: Promise<TestTarget['sink']>, drive: () => DriveStore, folder: string): Promise<TestTarget> {
  return sinkPromise.then((sink) => {
    const t: TestTarget = {
      sink,
      list: async () => fx.graph.list(drive(), folder) ?? [],
      read: async (name) => {
        const file = fx.graph.file(drive(), `${folder}/${name}`);
        if (!file) throw new Error(`${folder}/${name} is not in the double`);
        return file.content ?? Buffer.alloc(0);
      },
      modifiedAt: async (name) => {
        const file = fx.graph.file(drive(), `${folder}/${name}`);
        return file ? new Date(file.fileSystemInfo.lastModifiedDateTime) : undefined;
      },
      putExternally: async (name, bytes) => {
        fx.graph.putFile(drive(), `${folder}/${name}`, bytes);
      },
      cleanup: async () => {
        const item = drive().walk(drive().rootId, folder.split('/'));
        if (item) drive().remove(item.id);
      },
    };
    paths.set(t, folder);
    return t;
  });
}

runSinkConformance({
  name: 'onedrive (SharePoint library on the Graph double)',
  async before() {
    fx = await startGraphFixture();
    const site = fx.graph.addSite('contoso.sharepoint.com', '/sites/Conformance');
    library = site.drives[0]!;
    library.add(library.rootId, 'Filed', true);
  },
  after: () => fx.close(),
  createTarget: ({ depth, label }) => {
    const folder = folderOf(label, depth);
    return target(fx.sink(`${SITE}/${folder}`, options), () => library, folder);
  },
  async makeReadOnly(t) {
    fx.graph.denyWrites(library, paths.get(t)!);
  },
  missingTarget: ({ depth, label }) => {
    const folder = folderOf(label, depth);
    // A library the site does not have.
    return target(fx.sink(`sharepoint://contoso.sharepoint.com/sites/Conformance/Archive/${folder}`, options), () => library, `no-such/${folder}`);
  },
  invalidCredentials: ({ depth, label }) => {
    const folder = folderOf(label, depth);
    const revoked = staticCredentials({ type: 'bearer', accessToken: 'revoked-token' });
    return target(fx.sink(`${SITE}/${folder}`, options, revoked), () => library, folder);
  },
  faults: {
    injector: () => fx.graph.http.faults,
    upload: /^PUT (\/upload\/|.*:\/content)/,
    timeoutHoldMs: 8_000,
  },
  modifiedTimePrecisionMs: 0,
});
