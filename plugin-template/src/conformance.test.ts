/**
 * Runs the sink conformance suite against a real WebDAV server: Apache httpd with mod_dav,
 * started by this test, behind a fault-injecting proxy from the doubles kit. Plain HTTP on
 * loopback (the plain scheme, `dav://127.0.0.1`) keeps the run fast; TLS is the HTTP client's business, not the sink's.
 */
import { chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runSinkConformance, silentLogger, staticCredentials, type TargetRequest, type TestTarget } from '@filing-sync/conformance';
import type { RunningDouble } from '@filing-sync/doubles';
import type { Credential } from '@filing-sync/core';
import { PLAIN_SCHEME } from './plugin-info.js';
import { WebDavSinkFactory } from './webdav-sink-factory.js';
import type { WebDavSinkConfig } from './webdav-config.js';
import { denyWrites, listServed, startApacheWebDav, type ApacheWebDav } from './testing/apache-webdav.js';
import { startFaultProxy } from './testing/fault-proxy.js';

let server: ApacheWebDav;
let proxy: RunningDouble;
const factory = new WebDavSinkFactory();
/** Each target's folder on the server's disk. */
const folders = new WeakMap<TestTarget, string>();

/** Small limits keep the run fast: the large-file checks then move a few hundred KiB. */
const CONFIG: WebDavSinkConfig = { requestTimeoutMs: 2000, largeUploadThreshold: 256 * 1024 };

/** The target folder for a request: `/files/<label>` plus one more level per missing parent. */
function folderSegments(request: TargetRequest): string[] {
  return ['files', request.label, ...Array.from({ length: request.depth - 1 }, (_, i) => `level ${i + 2}`)];
}

async function makeTarget(request: TargetRequest, config: WebDavSinkConfig, credential?: Credential): Promise<TestTarget> {
  const segments = folderSegments(request);
  const url = new URL(`${PLAIN_SCHEME}://127.0.0.1:${proxy.port}/${segments.map(encodeURIComponent).join('/')}`);
  const credentials = staticCredentials(credential ?? { type: 'basic', username: server.username, password: server.password });
  const sink = await factory.create(url, config, { credentials, logger: silentLogger() });
  const folder = path.join(server.root, ...segments);
  const target: TestTarget = {
    sink,
    list: () => listServed(folder),
    read: (name) => readFile(path.join(folder, name)),
    modifiedAt: async (name) => (await stat(path.join(folder, name))).mtime,
    // Straight onto the server's disk: no hash property, as for a file saved there by a person.
    putExternally: async (name, bytes) => {
      const owner = await stat(server.root);
      let dir = path.join(server.root, 'files');
      for (const segment of segments.slice(1)) {
        dir = path.join(dir, segment);
        await mkdir(dir, { recursive: true });
        await chown(dir, owner.uid, owner.gid);
      }
      await writeFile(path.join(folder, name), bytes);
      await chown(path.join(folder, name), owner.uid, owner.gid);
    },
    cleanup: () => rm(path.join(server.root, 'files', request.label), { recursive: true, force: true }),
  };
  folders.set(target, folder);
  return target;
}

runSinkConformance({
  name: 'webdav (Apache mod_dav)',
  async before() {
    server = await startApacheWebDav();
    proxy = await startFaultProxy(server.origin);
    // The root every test folder is created under, owned like the rest of the served tree.
    const files = path.join(server.root, 'files');
    await mkdir(files);
    const owner = await stat(server.root);
    await chown(files, owner.uid, owner.gid);
  },
  async after() {
    await proxy?.close();
    await server?.stop();
  },
  createTarget: (request) => makeTarget(request, CONFIG),
  makeReadOnly: (target) => denyWrites(folders.get(target)!),
  missingTarget: (request) => makeTarget(request, { ...CONFIG, createMissingFolders: false }),
  missingTargetBehaviour: 'reject',
  invalidCredentials: (request) => makeTarget(request, CONFIG, { type: 'basic', username: server.username, password: 'wrong password' }),
  faults: { injector: () => proxy.faults, upload: /^PUT /, timeoutHoldMs: 4000 },
});
