import { expect } from 'chai';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import MsgReaderPackage from '@kenjiuno/msgreader';
import { startFilingServiceDouble, type FilingServiceDouble } from '@filing-sync/doubles';
import { devLicence, listFiles, startHost, tempDir } from '../e2e/support.js';
import { finding } from './fault-table.js';
import { hostileMessages } from './hostile-mime.js';
import { TOKEN, watchRss } from './fault-support.js';

// The package is CommonJS; its class is the default export's default.
const MsgReader = MsgReaderPackage.default;

/** The bound each hostile message must stay within: peak RSS of the whole host process (workers included). */
export const HOSTILE_RSS_BOUND_MIB = 320;
/** And the time one message may take, boot to exit (mocha's timeout of each test). */
export const HOSTILE_TIME_BOUND_MS = 60_000;

describe('hostile input: generated MIME through the service host', function () {
  let filing: FilingServiceDouble;
  let root: string;
  let licence: string;
  before(async () => {
    root = await tempDir('filing-sync-faults-hostile-');
    await mkdir(join(root, 'filed'));
    licence = await devLicence(root, 't1');
    filing = await startFilingServiceDouble({
      manifest: {
        tenant: 't1', token: TOKEN, filings: [],
        locations: [
          { id: 'L-EML', name: 'Hostile EML', format: 'eml', targets: [join(root, 'filed', 'eml')] },
          { id: 'L-MSG', name: 'Hostile MSG', format: 'msg', targets: [join(root, 'filed', 'msg')] },
        ],
      },
    });
  });
  after(() => filing?.close());

  for (const m of hostileMessages()) {
    it(`files ${m.describe} as EML and as MSG or degraded EML, within ${HOSTILE_RSS_BOUND_MIB} MiB`, async function () {
      this.timeout(HOSTILE_TIME_BOUND_MS);
      const started = Date.now();
      await filing.addFiling({ id: `${m.kind}-eml`, location: 'L-EML', raw: m.raw });
      await filing.addFiling({ id: `${m.kind}-msg`, location: 'L-MSG', raw: m.raw });
      const state = join(root, `state-${m.kind}`);
      const host = startHost(['run', '--once', '--source-url', filing.url, '--tenant', 't1', '--state-dir', state, '--allow-root', join(root, 'filed'), '--license', licence, '--log-level', 'warn'], { FILING_SYNC_TOKEN: TOKEN });
      const rss = watchRss(host.child.pid!);
      const code = await host.exited;
      const peakMiB = Math.round(rss.stop() / 1024);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);

      const problems: string[] = [];
      if (code !== 0) problems.push(`host exited ${code}: ${host.output().slice(-400)}`);
      const eml = filing.filing(`${m.kind}-eml`)!;
      const emlTarget = join(root, 'filed', 'eml');
      const emlOut = eml.outcomes[emlTarget]?.at(-1);
      if (emlOut?.outcome !== 'created') problems.push(`EML: ${emlOut?.outcome ?? 'no outcome'} ${emlOut?.reason ?? ''}`);
      else if (!(await readFile(join(emlTarget, emlOut.path!.split(/[\\/]/).pop()!))).equals(m.raw)) problems.push('EML: not byte-identical');

      const msg = filing.filing(`${m.kind}-msg`)!;
      const msgTarget = join(root, 'filed', 'msg');
      const msgOut = msg.outcomes[msgTarget]?.at(-1);
      let as = '';
      if (!msgOut) problems.push('MSG: no outcome');
      else {
        const bytes = await readFile(join(msgTarget, msgOut.path!.split(/[\\/]/).pop()!));
        if (msgOut.outcome === 'created' && msgOut.format === 'msg') {
          const info = new MsgReader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)).getFileData();
          if (info.error) problems.push(`MSG: the file does not open: ${info.error}`);
          as = 'MSG';
        } else if (msgOut.outcome === 'degraded' && msgOut.format === 'eml' && msgOut.reason) {
          if (!bytes.equals(m.raw)) problems.push('degraded EML: not byte-identical');
          as = `degraded EML (${msgOut.reason.slice(0, 140)})`;
        } else problems.push(`MSG: ${msgOut.outcome} as ${msgOut.format} ${msgOut.reason ?? ''}`);
      }
      const partials = (await listFiles(join(root, 'filed'))).filter((f) => f.includes('.partial'));
      if (partials.length) problems.push(`partials left: ${partials.join(', ')}`);
      if (peakMiB > HOSTILE_RSS_BOUND_MIB) problems.push(`peak RSS ${peakMiB} MiB over the bound of ${HOSTILE_RSS_BOUND_MIB} MiB`);
      finding(
        'hostile MIME',
        `${m.describe} (${(m.raw.length / 1e6).toFixed(2)} MB)`,
        problems.length ? problems.join('; ') : `EML byte-identical; ${as}; host peak RSS ${peakMiB} MiB, ${seconds} s`,
        problems.length === 0,
      );
      expect(problems).to.deep.equal([]);
    });
  }
});
