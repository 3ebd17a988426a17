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
  /** Median wall time of the rounds. */
  seconds: number;
  /** Median peak RSS of the rounds. */
  peakRssMiB: number;
  /** Lowest and highest peak RSS of the rounds: one run's peak varies by several MiB. */
  peakRssRangeMiB: [number, number];
  /** Filed and reported in every round. */
  filed: boolean;
}

/** The middle value (the upper middle one of an even count). */
function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
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

/**
 * V8 options that give the host Node's own young generation (semi-spaces growing to 16 MiB): the
 * CLI keeps it small unless the options size it, so this run shows what that setting saves.
 */
export const NODE_DEFAULT_YOUNG_GENERATION = '--max-semi-space-size=16';

/** One host run of the benchmark: a format, and V8 options for the child. */
export interface LargeAttachmentRun {
  format: 'eml' | 'msg';
  nodeOptions?: string;
}

/**
 * Files one message with a `attachmentMiB` attachment through the service host (a child process,
 * so its memory is its own) `rounds` times per run (format and V8 options), and reports each
 * run's median peak RSS and its range.
 */
export async function largeAttachment(
  attachmentMiB = 200,
  runs: readonly LargeAttachmentRun[] = [{ format: 'eml' }, { format: 'eml', nodeOptions: NODE_DEFAULT_YOUNG_GENERATION }, { format: 'msg' }],
  rounds = 3,
): Promise<LargeAttachmentResult[]> {
  const root = await mkdtemp(join(tmpdir(), 'filing-sync-bench-large-'));
  try {
    const eml = join(root, 'large.eml');
    await writeLargeMessage(eml, attachmentMiB);
    const messageMiB = (await stat(eml)).size / 1024 / 1024;
    const licence = await benchLicence(root, 'bench');
    const results: LargeAttachmentResult[] = [];
    for (const [i, { format, nodeOptions = '' }] of runs.entries()) {
      const peaks: number[] = [];
      const seconds: number[] = [];
      let filed = true;
      for (let round = 0; round < rounds; round++) {
        const id = `${i}-${round}`;
        const target = join(root, `filed-${id}`);
        await mkdir(target);
        const double = await startFilingServiceDouble({
          manifest: { tenant: 'bench', token: 'bench-token', locations: [{ id: 'L1', name: 'Large', format, targets: [target] }], filings: [{ id: `F${id}`, location: 'L1', eml }] },
        });
        try {
          const r = await runHostMeasured(
            ['run', '--once', '--source-url', double.url, '--tenant', 'bench', '--state-dir', join(root, `state-${id}`), '--allow-root', target, '--license', licence, '--log-level', 'error'],
            { FILING_SYNC_TOKEN: 'bench-token', NODE_OPTIONS: nodeOptions },
          );
          const reported = double.filings()[0]!.outcomes[target]?.at(-1);
          filed &&= r.code === 0 && !!reported && ['created', 'degraded'].includes(reported.outcome);
          peaks.push(r.peakRssMiB);
          seconds.push(r.seconds);
        } finally {
          await double.close();
          await rm(target, { recursive: true, force: true });
        }
      }
      results.push({ format, nodeOptions, messageMiB, seconds: median(seconds), peakRssMiB: median(peaks), peakRssRangeMiB: [Math.min(...peaks), Math.max(...peaks)], filed });
    }
    return results;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
