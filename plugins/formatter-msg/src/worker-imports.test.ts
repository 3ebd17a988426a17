import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/** The specifiers a compiled module imports (type-only imports are gone after compilation). */
async function importsOf(file: string): Promise<string[]> {
  const source = await readFile(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

describe('worker thread modules', () => {
  it('never load @filing-sync/core as a whole, which would double the start-up of every worker thread', async () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of await importsOf(file)) {
        if (specifier.startsWith('.')) await visit(resolve(dirname(file), specifier));
        else packages.add(specifier);
      }
    };
    await visit(fileURLToPath(new URL('./convert-worker.js', import.meta.url)));
    expect(seen.size, 'the walk found the conversion modules').to.be.greaterThan(5);
    expect([...packages]).to.include('mailparser');
    // Core's date rules come as a module of their own that imports nothing; the rest of core stays out.
    const ours = [...packages].filter((p) => p.startsWith('@filing-sync/'));
    expect(ours).to.deep.equal(['@filing-sync/core/rfc5322-date']);
    const leaf = fileURLToPath(import.meta.resolve('@filing-sync/core/rfc5322-date'));
    expect(await importsOf(leaf)).to.deep.equal([]);
  });
});
