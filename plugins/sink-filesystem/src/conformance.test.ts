import { spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { noCredentials, runSinkConformance, silentLogger, type TargetRequest, type TestTarget } from '@filing-sync/conformance';
import { FilesystemSinkFactory } from './filesystem-sink-factory.js';

let base = '';
const factory = new FilesystemSinkFactory();
const context = { credentials: noCredentials(), logger: silentLogger() };

/** A target `depth` folders below the allowed root, none of them existing yet. */
async function targetUnder(root: string, request: TargetRequest, allowedRoots: string[] = [root]): Promise<TestTarget> {
  const parts = Array.from({ length: request.depth }, (_, i) => (i === 0 ? request.label : `level-${i}`));
  const folder = path.join(root, ...parts);
  const sink = await factory.create(pathToFileURL(folder), { allowedRoots, partialMaxAgeMinutes: 10 }, context);
  return {
    sink,
    // Partials are listed too: a write that leaves one behind must fail write/no-leftovers.
    list: async () => readdir(folder).catch(() => [] as string[]),
    read: (name) => readFile(path.join(folder, name)),
    modifiedAt: async (name) => (await lstat(path.join(folder, name))).mtime,
    putExternally: async (name, bytes) => {
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, name), bytes);
    },
    cleanup: async () => {
      spawnSync('chattr', ['-i', folder]);
      await rm(path.join(root, request.label), { recursive: true, force: true });
    },
  };
}

runSinkConformance({
  name: 'filesystem',
  before: async () => {
    base = await mkdtemp(path.join(tmpdir(), 'fs-conformance-'));
  },
  after: async () => {
    await rm(base, { recursive: true, force: true });
  },
  createTarget: (request) => targetUnder(base, request),
  // Root ignores mode bits; the immutable attribute stops it too.
  makeReadOnly: async (target) => {
    const folder = target.sink.displayPath;
    const made = spawnSync('chattr', ['+i', folder]);
    if (made.status !== 0) throw new Error(`chattr +i ${folder} failed: ${made.stderr}`);
  },
  // An allowed root that is not there: a drive or share that is not mounted.
  missingTarget: (request) => targetUnder(path.join(base, `unmounted-${request.label}`), request),
  largeFileSize: 8 * 1024 * 1024,
  skip: {
    'access/auth-*': 'a local folder takes the service account\'s own rights: there are no credentials to refuse',
    'faults/*': 'a local folder has no network between the connector and the storage (no 429/503, resets or timeouts)',
  },
});
