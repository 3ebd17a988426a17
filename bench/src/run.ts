import { filingThroughput } from './filing-throughput.js';

/**
 * `npm run bench`: each case against a baseline measured in the same run, printed as a ratio.
 * Benchmarks are not tests; they print figures and targets and always exit 0 unless they crash.
 */
const cases: { name: string; target: number; run: () => Promise<{ ratio: number; baselinePerSecond: number; enginePerSecond: number }> }[] = [
  { name: 'EML filing vs durable copy (300 × 64 KiB)', target: 0.7, run: () => filingThroughput('eml', 300, 64 * 1024) },
  { name: 'MSG filing vs durable copy (300 × 64 KiB)', target: 0.5, run: () => filingThroughput('msg', 300, 64 * 1024) },
];

process.stdout.write('case | baseline files/s | filing-sync files/s | ratio | target\n');
for (const c of cases) {
  const r = await c.run();
  process.stdout.write(`${c.name} | ${r.baselinePerSecond.toFixed(0)} | ${r.enginePerSecond.toFixed(0)} | ${r.ratio.toFixed(2)} | ≥ ${c.target}${r.ratio >= c.target ? '' : '  (below target)'}\n`);
}
