import { expect } from 'chai';
import { join } from 'node:path';
import { REPO, listFiles, startNodeScript, tempDir } from './support.js';

const DEMO = join(REPO, 'host-service/dist/demo/start-demo.js');

describe('npm start (the demo on the bundled samples)', function () {
  this.timeout(180_000);

  it('files every sample under var/filed with the naming scheme, and a second start writes nothing new', async () => {
    const root = await tempDir('filing-sync-demo-');
    const env = { FILING_SYNC_DEMO_ROOT: root };
    const first = startNodeScript(DEMO, [], env);
    await first.waitFor(/Still polling every 5 s/);
    first.child.kill('SIGINT');
    expect(await first.exited, first.output()).to.equal(0);
    const filed = await listFiles(join(root, 'var/filed'));
    // The summary comes once everything is filed: it counts every outcome printed, over all three locations.
    const [before, after] = first.output().split('\nSummary:\n') as [string, string];
    const summary = after.split('Files are under')[0]!;
    const counted = [...summary.matchAll(/(\d+) (created|identical|renamed|degraded|skipped|failed)/g)].reduce((n, m) => n + Number(m[1]), 0);
    const outcomeLines = /^ {2}(created|identical|renamed|degraded|skipped|failed) /gm;
    expect(counted, summary).to.equal(first.output().match(outcomeLines)!.length);
    expect(counted).to.equal(before.match(outcomeLines)!.length);
    for (const location of ['Surrey Court', 'Harbour Bridge', 'Mill Lane']) expect(summary).to.include(`  ${location}: `);
    // 51 filings over three locations, one with two targets, less the one identical duplicate per target.
    expect(filed.length).to.be.greaterThan(60);
    for (const f of filed) expect(f).to.match(/^(Surrey Court|Harbour Bridge|Mill Lane)\/[^/]+\/\d{8}T\d{6}Z.*\.(eml|msg)$/);
    expect(filed.some((f) => f.endsWith('.msg'))).to.equal(true);
    expect(filed.some((f) => f.includes('.partial'))).to.equal(false);

    const second = startNodeScript(DEMO, [], env);
    await second.waitFor(/Nothing new to file/);
    second.child.kill('SIGINT');
    expect(await second.exited, second.output()).to.equal(0);
    expect(await listFiles(join(root, 'var/filed'))).to.deep.equal(filed);
  });
});
