/**
 * The generator's promise, checked the way a partner would use it: `new-plugin` makes a plugin
 * inside the workspace layout, it builds with tsc, and its own conformance test passes.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const generator = path.join(repoRoot, 'plugin-template/scripts/new-plugin.mjs');

interface Run {
  code: number | null;
  output: string;
}

function run(args: string[], cwd = repoRoot, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('npm run new-plugin', function () {
  this.timeout(240_000);
  // Inside the workspace layout (so @filing-sync/* and tsconfig.base.json resolve as for
  // plugins/*), but in an ignored folder that no workspace glob picks up.
  const scratch = path.join(repoRoot, 'test', '.tmp', `new-plugin-${randomBytes(4).toString('hex')}`);
  after(() => rm(scratch, { recursive: true, force: true }));

  it('generates a renamed plugin that builds with tsc and passes its conformance test', async () => {
    const dest = path.join(scratch, 'sink-sample-drive');
    const made = await run([generator, 'sample-drive', path.relative(repoRoot, dest)]);
    expect(made.code, made.output).to.equal(0);

    const pkg = JSON.parse(await readFile(path.join(dest, 'package.json'), 'utf8')) as { name: string; filingSync: unknown };
    expect(pkg.name).to.equal('@filing-sync/sink-sample-drive');
    expect(pkg.filingSync).to.deep.equal({ apiVersion: 1, kind: 'sink', name: 'sample-drive', schemes: ['sample-drive', 'sample-drive+http'] });
    const sources = await readdir(path.join(dest, 'src'));
    expect(sources).to.include.members(['sample-drive-sink.ts', 'sample-drive-sink-factory.ts', 'plugin-info.ts', 'conformance.test.ts', 'index.ts']);
    expect(sources.filter((f) => f.startsWith('webdav-')), 'template file names renamed').to.deep.equal([]);
    const index = await readFile(path.join(dest, 'src/index.ts'), 'utf8');
    expect(index).to.include('SampleDriveSinkFactory').and.not.include('WebDavSinkFactory');

    const built = await run([require.resolve('typescript/bin/tsc'), '-p', dest]);
    expect(built.code, `tsc -p failed:\n${built.output}`).to.equal(0);

    const tested = await run([
      require.resolve('mocha/bin/mocha.js'),
      '--no-config',
      '--node-option=import=reflect-metadata',
      '--timeout',
      '60000',
      '--reporter',
      'dot',
      path.join(dest, 'dist/**/*.test.js'),
    ]);
    expect(tested.code, `the generated plugin's tests failed:\n${tested.output}`).to.equal(0);
    const passing = Number(/(\d+) passing/.exec(tested.output)?.[1] ?? 0);
    expect(passing, 'conformance checks and plugin tests that passed').to.be.at.least(60);
    expect(tested.output).not.to.match(/\d+ failing/);
  });

  it('refuses a bad name and an occupied folder, and says why', async () => {
    const bad = await run([generator, 'Bad_Name']);
    expect(bad.code).to.equal(2);
    expect(bad.output).to.include('"Bad_Name" is not a valid name');
    const taken = await run([generator, 'other', 'plugin-template']);
    expect(taken.code).to.equal(1);
    expect(taken.output).to.include('exists and is not empty');
  });
});
