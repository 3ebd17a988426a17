/**
 * MSG formatter benchmark (figures, not a test):
 *
 * 1. Conversion cost: milliseconds per conversion on the calling thread for a 64 KiB and a 2 MiB message,
 *    nothing written: what the formatter itself costs, apart from the disk.
 * 2. Throughput: the same messages converted to .msg and written durably, on worker threads and on the
 *    calling thread, against a durable copy of the .eml files (write a partial, fsync, rename, fsync the folder).
 * 3. Memory: one message with a large attachment converted in a fresh process; its peak RSS against the
 *    message size.
 *
 * Run: `node bench/dist/msg.bench.js [--messages 200] [--size-kib 64] [--large-mib 200]`, or call
 * {@link runMsgBench} from the bench runner.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { BufferContent, type Content, FileContent } from '@filing-sync/core';
import { MsgFormatter } from '@filing-sync/formatter-msg';

/** Figures of one run. */
export interface MsgBenchResult {
  messages: number;
  copyPerSecond: number;
  msgWorkersPerSecond: number;
  msgOneThreadPerSecond: number;
  /** MSG filing on worker threads ÷ durable copy; the target is ≥ 0.5. */
  ratio: number;
  workers: number;
  /** Milliseconds per conversion on the calling thread, by message size in KiB (fastest round). */
  conversionMs: Record<number, number>;
  large?: { messageBytes: number; peakRssBytes: number; ratio: number; seconds: number };
}

/** Writes `data` the way a careful sink does: partial file, fsync, rename, fsync the folder. */
async function durableWrite(dest: string, name: string, data: Content | Buffer): Promise<void> {
  const partial = join(dest, `.${name}.partial`);
  const fh = await open(partial, 'wx');
  try {
    if (Buffer.isBuffer(data)) await fh.writeFile(data);
    else if (data instanceof FileContent) for await (const chunk of data.open()) await fh.write(chunk as Buffer);
    else await fh.writeFile(await data.bytes());
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(partial, join(dest, name));
  const dir = await open(dest, 'r');
  await dir.sync();
  await dir.close();
}

/** A message of about `size` bytes: HTML and text bodies, an inline image, a file attachment. */
function message(i: number, size: number): string {
  const b64 = (n: number) => randomBytes(n).toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    'From: Site Office <office@example.com>', 'To: Team <team@example.com>, Ann <ann@example.com>', 'Cc: Archive <archive@example.com>',
    `Subject: Benchmark message ${i}`, `Date: ${new Date(Date.UTC(2026, 10, 1) + i * 1000).toUTCString()}`, `Message-ID: <bench${i}@example.com>`,
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="m"', '',
    '--m', 'Content-Type: multipart/related; boundary="r"', '',
    '--r', 'Content-Type: text/html; charset=utf-8', '', `<p>Body ${i} <img src="cid:logo${i}@example.com"></p>`,
    '--r', 'Content-Type: image/png', `Content-ID: <logo${i}@example.com>`, 'Content-Transfer-Encoding: base64', '', b64(2048), '--r--', '',
    '--m', 'Content-Type: application/pdf; name="report.pdf"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="report.pdf"', '',
    b64(Math.max(0, size - 4000)), '--m--', '',
  ].join('\r\n');
}

/**
 * Milliseconds one conversion takes on the calling thread, for a message of `size` bytes: the fastest of
 * several rounds, because the machine is shared and slower rounds measure the neighbours, not the formatter.
 */
async function conversionMs(size: number, scratchDir: string): Promise<number> {
  const formatter = new MsgFormatter({ workers: 0 });
  const messages = Array.from({ length: 8 }, (_, i) => new BufferContent(Buffer.from(message(i, size))));
  const perRound = Math.max(4, Math.round((16 * 2 ** 20) / size));
  let best = Infinity;
  for (let round = 0; round < 8; round++) {
    const started = performance.now();
    for (let i = 0; i < perRound; i++) await formatter.render(messages[i % messages.length]!, { scratchDir });
    // The first two rounds warm the parser up.
    if (round >= 2) best = Math.min(best, (performance.now() - started) / perRound);
  }
  return best;
}

async function convertAll(files: string[], dest: string, formatter: MsgFormatter, scratchDir: string, concurrency: number): Promise<number> {
  await mkdir(dest, { recursive: true });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < files.length; i = next++) {
        const out = await formatter.render(await FileContent.of(files[i]!), { scratchDir });
        await durableWrite(dest, `${i}.msg`, out);
        if (out instanceof FileContent) await rm(out.path, { force: true });
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Runs both parts and prints their figures. */
export async function runMsgBench(options: { messages?: number; sizeKiB?: number; largeMiB?: number } = {}): Promise<MsgBenchResult> {
  const count = options.messages ?? 200;
  const size = (options.sizeKiB ?? 64) * 1024;
  const workers = availableParallelism();
  const root = await mkdtemp(join(tmpdir(), 'filing-sync-msg-bench-'));
  try {
    const files: string[] = [];
    await mkdir(join(root, 'in'));
    await mkdir(join(root, 'scratch'));
    for (let i = 0; i < count; i++) {
      files.push(join(root, 'in', `${i}.eml`));
      await writeFile(files[i]!, message(i, size));
    }
    const conversion: Record<number, number> = {};
    for (const kib of [64, 2048]) conversion[kib] = await conversionMs(kib * 1024, join(root, 'scratch'));
    process.stdout.write(`MSG conversion alone, calling thread (fastest of 6 rounds): ${Object.entries(conversion).map(([kib, ms]) => `${kib} KiB ${ms.toFixed(1)} ms`).join(', ')}\n`);

    const pooled = new MsgFormatter({ workers });
    // Warm the pool so thread start-up is not counted against the throughput.
    await convertAll(files.slice(0, workers * 2), join(root, 'warm'), pooled, join(root, 'scratch'), workers * 2);
    // The disk is shared with whatever else runs: copy and convert alternate, three rounds each, medians compared.
    const copyRuns: number[] = [];
    const workerRuns: number[] = [];
    for (let round = 0; round < 3; round++) {
      const copyDir = join(root, `copy-${round}`);
      await mkdir(copyDir);
      const started = performance.now();
      for (const [i, f] of files.entries()) await durableWrite(copyDir, `${i}.eml`, await readFile(f));
      copyRuns.push((performance.now() - started) / 1000);
      workerRuns.push(await convertAll(files, join(root, `msg-workers-${round}`), pooled, join(root, 'scratch'), workers * 2));
      await rm(copyDir, { recursive: true, force: true });
      await rm(join(root, `msg-workers-${round}`), { recursive: true, force: true });
    }
    await pooled.close();
    const oneThreadSeconds = await convertAll(files, join(root, 'msg-one'), new MsgFormatter({ workers: 0 }), join(root, 'scratch'), 2);
    const copySeconds = median(copyRuns);
    const workersSeconds = median(workerRuns);

    const result: MsgBenchResult = {
      messages: count,
      workers,
      copyPerSecond: count / copySeconds,
      msgWorkersPerSecond: count / workersSeconds,
      msgOneThreadPerSecond: count / oneThreadSeconds,
      ratio: copySeconds / workersSeconds,
      conversionMs: conversion,
    };
    process.stdout.write(`MSG conversion + durable write, ${count} × ${size >> 10} KiB, ${workers} worker threads (median of 3 alternating rounds)\n`);
    process.stdout.write(`  durable copy of the .eml          ${result.copyPerSecond.toFixed(0)} files/s\n`);
    process.stdout.write(`  .msg, ${workers} worker threads          ${result.msgWorkersPerSecond.toFixed(0)} files/s  ratio ${result.ratio.toFixed(2)} (target ≥ 0.5)\n`);
    process.stdout.write(`  .msg, calling thread only         ${result.msgOneThreadPerSecond.toFixed(0)} files/s\n`);

    if ((options.largeMiB ?? 200) > 0) {
      const mib = options.largeMiB ?? 200;
      const eml = join(root, 'large.eml');
      await writeLargeMessage(eml, mib);
      const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), '--convert-one', eml, join(root, 'large.msg'), join(root, 'scratch')], { maxBuffer: 1 << 20 });
      const large = JSON.parse(stdout) as NonNullable<MsgBenchResult['large']>;
      result.large = large;
      process.stdout.write(`Large message: ${mib} MiB attachment, message ${(large.messageBytes / 2 ** 20).toFixed(0)} MiB\n`);
      process.stdout.write(`  peak RSS ${(large.peakRssBytes / 2 ** 20).toFixed(0)} MiB = ${large.ratio.toFixed(2)}× the message (target < 3×), ${large.seconds.toFixed(1)} s\n`);
    }
    return result;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A message with one base64 attachment of `mib` MiB, written without holding it in memory. */
async function writeLargeMessage(path: string, mib: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('From: a@example.com\r\nTo: b@example.com\r\nSubject: large\r\nDate: Sat, 28 Nov 2026 14:46:13 +0000\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n--b\r\n' +
    'Content-Type: application/octet-stream; name="large.bin"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="large.bin"\r\n\r\n');
  const block = 57 * 16 * 1024; // a multiple of 57 bytes = whole 76-character lines
  for (let done = 0; done < mib * 2 ** 20; done += block) await write(randomBytes(Math.min(block, mib * 2 ** 20 - done)).toString('base64').replace(/.{76}/g, '$&\r\n') + '\r\n');
  await write('--b--\r\n');
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Child process: convert one file on a worker thread and report peak RSS. */
async function convertOne(input: string, output: string, scratchDir: string): Promise<void> {
  const formatter = new MsgFormatter({ workers: 1 });
  const started = performance.now();
  const out = await formatter.render(await FileContent.of(input), { scratchDir });
  await durableWrite(join(output, '..'), 'large-out.msg', out);
  const seconds = (performance.now() - started) / 1000;
  await formatter.close();
  const messageBytes = (await stat(input)).size;
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ messageBytes, peakRssBytes, ratio: peakRssBytes / messageBytes, seconds }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  if (args[0] === '--convert-one') await convertOne(args[1]!, args[2]!, args[3]!);
  else {
    const num = (flag: string) => {
      const i = args.indexOf(flag);
      return i >= 0 ? Number(args[i + 1]) : undefined;
    };
    await runMsgBench({ messages: num('--messages'), sizeKiB: num('--size-kib'), largeMiB: num('--large-mib') });
  }
}
