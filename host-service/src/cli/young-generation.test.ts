import { execFileSync } from 'node:child_process';
import { expect } from 'chai';

const MODULE = new URL('./young-generation.js', import.meta.url).href;

/**
 * The young generation's size (both semi-spaces, MiB) in a fresh Node process after allocating
 * plenty of short- and some long-lived objects, with or without the CLI's setting loaded first.
 */
function youngGenerationMiB(withSetting: boolean, env: Record<string, string> = {}): number {
  const script = `
    ${withSetting ? `await import(${JSON.stringify(MODULE)});` : ''}
    const v8 = await import('node:v8');
    const kept = [];
    for (let i = 0; i < 3e6; i++) { const o = { i, s: 'x' + i }; if (i % 50 === 0) kept.push(o); }
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(space.space_size / 1048576));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: '', ...env }, encoding: 'utf8' }));
}

describe('CLI young generation setting', () => {
  it('keeps the young generation small where Node would grow it', () => {
    expect(youngGenerationMiB(false)).to.be.greaterThan(8);
    expect(youngGenerationMiB(true)).to.be.at.most(4);
  });

  it('leaves it alone when NODE_OPTIONS sizes it', () => {
    expect(youngGenerationMiB(true, { NODE_OPTIONS: '--max-semi-space-size=8' })).to.be.greaterThan(8);
  });
});
