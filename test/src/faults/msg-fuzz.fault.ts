import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCorpus, fuzzMsgConversion } from '../fuzz/fuzz-msg.js';
import { SELFTEST_ENV } from '../fuzz/fuzz-protocol.js';
import { finding } from './fault-table.js';

/** Mutated messages per CI run: about a minute on two CPUs. `npm run fuzz:msg` runs for longer. */
const INPUTS = Number(process.env.FILING_SYNC_FUZZ_INPUTS ?? 20_000);
const SEED = Number(process.env.FILING_SYNC_FAULT_SEED ?? 20261129);

describe('fuzz: the MSG formatter converting on the main thread', function () {
  this.timeout(600_000);

  it('catches a conversion that crashes its process or never yields, keeps the inputs, and goes on with a new process', async () => {
    const corpus = await defaultCorpus();
    const findingsDir = await mkdtemp(join(tmpdir(), 'filing-sync-fuzz-findings-'));
    try {
      const crash = Buffer.from('X-Fuzz-Selftest: crash\r\n\r\nbody');
      const hang = Buffer.from('X-Fuzz-Selftest: hang\r\n\r\nbody');
      const report = await fuzzMsgConversion({ seed: 1, corpus, inputs: 3, hangMs: 3_000, findingsDir, env: { [SELFTEST_ENV]: '1' }, firstInputs: [corpus[0]!, crash, hang] });
      expect(report.findings.map((f) => [f.kind, f.input])).to.deep.equal([['crash', 1], ['hang', 2]]);
      expect(report.findings[0]!.detail).to.include('self-test crash');
      expect(await readFile(report.findings[0]!.file!)).to.deep.equal(crash);
      expect(await readFile(report.findings[0]!.file!.replace(/\.eml$/, '.before.eml'))).to.deep.equal(corpus[0]);
      expect(await readFile(report.findings[1]!.file!)).to.deep.equal(hang);
      // The first message before the crash, and three mutations in the fresh process after the hang.
      expect(report.inputs).to.equal(6);
      expect(report.converted + report.rejected).to.equal(4);
    } finally {
      await rm(findingsDir, { recursive: true, force: true });
    }
  });

  it(`${INPUTS} mutated messages (seed ${SEED}): none crashes, hangs, fails untyped or gives a .msg that does not open`, async () => {
    const report = await fuzzMsgConversion({ seed: SEED, corpus: await defaultCorpus(), inputs: INPUTS, findingsDir: process.env.FILING_SYNC_FUZZ_FINDINGS });
    const held = report.findings.length === 0;
    finding(
      'MSG fuzz',
      `${report.inputs} mutations of the corpus (seed ${SEED}), converted on the main thread`,
      `${report.converted} converted and read back, ${report.rejected} refused with a typed error, slowest ${report.slowestMs.toFixed(0)} ms; ` +
        (held ? 'no crash, hang or untyped error' : report.findings.map((f) => `${f.kind} at input ${f.input}: ${f.detail.slice(0, 200)}`).join('; ')),
      held,
    );
    expect(report.findings, 'findings (rerun with FILING_SYNC_FUZZ_FINDINGS=DIR to keep the inputs)').to.deep.equal([]);
    // Most mutations must still be messages, or the fuzzer tests nothing but the front door.
    expect(report.converted).to.be.greaterThan(INPUTS / 2);
  });
});
