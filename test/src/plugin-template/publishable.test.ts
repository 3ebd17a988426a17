/**
 * Outside this repository, a plugin made from the template installs its filing-sync packages from a registry.
 * Each package the template names must therefore be publishable, and hold its built entry point and no tests.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Manifest {
  name: string;
  private?: boolean;
  main?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const manifest = async (dir: string): Promise<Manifest> => JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as Manifest;

/** The workspace folders by package name (the root's `workspaces`, globs of one level). */
async function workspaces(): Promise<Map<string, string>> {
  const { readdir } = await import('node:fs/promises');
  const patterns = ((await manifest(repoRoot)) as Manifest & { workspaces: string[] }).workspaces;
  const dirs: string[] = [];
  for (const p of patterns) {
    if (!p.endsWith('/*')) dirs.push(path.join(repoRoot, p));
    else for (const e of await readdir(path.join(repoRoot, p.slice(0, -2)), { withFileTypes: true })) if (e.isDirectory()) dirs.push(path.join(repoRoot, p.slice(0, -2), e.name));
  }
  const byName = new Map<string, string>();
  for (const d of dirs) byName.set((await manifest(d).catch(() => ({ name: '' }) as Manifest)).name, d);
  return byName;
}

describe('packages a plugin made from plugin-template installs', function () {
  this.timeout(60_000);

  it('are publishable: none is private, and each package holds its entry point and no tests', async () => {
    const template = await manifest(path.join(repoRoot, 'plugin-template'));
    const names = [...new Set(Object.keys({ ...template.dependencies, ...template.peerDependencies, ...template.devDependencies }))].filter((n) => n.startsWith('@filing-sync/'));
    expect(names).to.include.members(['@filing-sync/core', '@filing-sync/conformance', '@filing-sync/doubles']);
    const dirs = await workspaces();
    for (const name of names) {
      const dir = dirs.get(name);
      expect(dir, `${name} is a workspace package`).to.be.a('string');
      const pkg = await manifest(dir!);
      expect(pkg.private, `${name} is private, so it cannot be installed outside this repository`).to.not.equal(true);
      const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir!, encoding: 'utf8' });
      expect(packed.status, packed.stderr).to.equal(0);
      const files = (JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
      expect(files, name).to.include(path.posix.normalize(pkg.main ?? 'dist/index.js'));
      expect(files.filter((f) => /\.test\.|\.tsbuildinfo$/.test(f)), `${name} ships tests or build state`).to.deep.equal([]);
      // Its own filing-sync dependencies must be publishable too.
      for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }).filter((n) => n.startsWith('@filing-sync/'))) {
        expect(names, `${name} needs ${dep}`).to.include(dep);
      }
    }
  });
});
