import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { startFilingServiceDouble } from '@filing-sync/doubles';
import { benchLicence, runHostMeasured } from './bench-support.js';

/** One format's figures for the large message. */
export interface LargeAttachmentResult {
  format: 'eml' | 'msg';
  /** Extra `NODE_OPTIONS` of the host run (none: Node's defaults). */
  nodeOptions: string;
  messageMiB: number;
  seconds: number;
  peakRssMiB: number;
  filed: boolean;
}

/** Writes a message with one `attachmentMiB` attachment (base64, folded), without holding it in memory. */
async function writeLargeMessage(path: string, attachmentMiB: number): Promise<void> {
  const out = createWriteStream(path);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(['From: Site Office <office@example.com>', 'To: Team <team@example.com>', 'Subject: Survey drawings (large)', 'Date: Sat, 28 Nov 2026 14:46:13 +0000',
    'Message-ID: <large-attachment@example.com>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="L"', '', '--L', 'Content-Type: text/plain', '',
    'The drawings are attached.', '--L', 'Content-Type: application/octet-stream; name="survey.bin"', 'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="survey.bin"', '', ''].join('\r\n'));
  // 57 bytes of data per 76-character line; a varying pattern so nothing compresses it away.
  const line = (i: number) => Buffer.alloc(57, i % 251).toString('base64');
  const lines = Math.ceil((attachmentMiB * 1024 * 1024) / 57);
  let chunk = '';
  for (let i = 0; i < lines; i++) {
    chunk += `${line(i)}\r\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(`${chunk}--L--\r\n`);
  out.end();
  await once(out, 'finish');
}

/** One host run of the benchmark: a format, and V8 options for the child. */
export interface LargeAttachmentRun {
  format: 'eml' | 'msg';
  nodeOptions?: string;
}

/**
 * Files one message with a `attachmentMiB` attachment through the service host (a child process,
 * so its memory is its own) once per run (format and V8 options), and reports each run's peak RSS.
 */
export async function largeAttachment(
  attachmentMiB = 200,
  runs: readonly LargeAttachmentRun[] = [{ format: 'eml' }, { format: 'eml', nodeOptions: '--max-semi-space-size=1' }, { format: 'msg' }],
): Promise<LargeAttachmentResult[]> {
  const root = await mkdtemp(join(tmpdir(), 'filing-sync-bench-large-'));
  try {
    const eml = join(root, 'large.eml');
    await writeLargeMessage(eml, attachmentMiB);
    const messageMiB = (await stat(eml)).size / 1024 / 1024;
    const licence = await benchLicence(root, 'bench');
    const results: LargeAttachmentResult[] = [];
    for (const [i, { format, nodeOptions = '' }] of runs.entries()) {
      const target = join(root, `filed-${i}`);
      await mkdir(target);
      const double = await startFilingServiceDouble({
        manifest: { tenant: 'bench', token: 'bench-token', locations: [{ id: 'L1', name: 'Large', format, targets: [target] }], filings: [{ id: `F${i}`, location: 'L1', eml }] },
      });
      try {
        const r = await runHostMeasured(
          ['run', '--once', '--source-url', double.url, '--tenant', 'bench', '--state-dir', join(root, `state-${i}`), '--allow-root', target, '--license', licence, '--log-level', 'error'],
          { FILING_SYNC_TOKEN: 'bench-token', NODE_OPTIONS: nodeOptions },
        );
        const reported = double.filings()[0]!.outcomes[target]?.at(-1);
        results.push({ format, nodeOptions, messageMiB, seconds: r.seconds, peakRssMiB: r.peakRssMiB, filed: r.code === 0 && !!reported && ['created', 'degraded'].includes(reported.outcome) });
      } finally {
        await double.close();
        await rm(target, { recursive: true, force: true });
      }
    }
    return results;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
