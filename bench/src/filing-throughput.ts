import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createPrivateKey } from 'node:crypto';
import { bootConnector, signLicence, TRUSTED_LICENCE_KEYS } from '@filing-sync/core';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** One measured case: files per second through the engine against the durable-copy baseline. */
export interface ThroughputResult {
  format: string;
  /** Filings timed, after the warm-up ones. */
  files: number;
  /** The baseline's rate: the mean of one copy of the timed files before the engine's run and one after. */
  baselinePerSecond: number;
  /** The engine's rate over the timed filings, which follow the warm-up ones in the same run: what a running service sustains. */
  enginePerSecond: number;
  /** `enginePerSecond / baselinePerSecond`. */
  ratio: number;
  /** The engine's rate over the warm-up filings, from a cold start (boot done; lease, first claim, cold code included). */
  coldPerSecond: number;
  /** CPU time of the copy per file (all threads of this process), ms: the mean of the two copies. */
  baselineCpuMs: number;
  /** CPU time of the engine per timed filing (all threads of this process: its own, the file system's pool, V8's), ms. */
  engineCpuMs: number;
  /** CPU time of the filing-service double per timed filing, ms; `undefined` where `/proc` is not there. */
  doubleCpuMs: number | undefined;
}

const PLUGINS = ['@filing-sync/source-filing-service', '@filing-sync/formatter-eml', '@filing-sync/formatter-msg', '@filing-sync/sink-filesystem'];

/** A message of about `size` bytes with a text body and an attachment. */
function message(i: number, size: number): string {
  // Base64 in 76-character lines takes 78 bytes for every 57 of the attachment.
  const attachment = Buffer.alloc(Math.max(0, Math.floor(((size - 1200) * 57) / 78)), i % 251).toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    `From: Site Office <office@example.com>`, 'To: Team <team@example.com>', `Subject: Benchmark message ${i}`,
    `Date: ${new Date(Date.UTC(2026, 10, 1) + i * 1000).toUTCString()}`, `Message-ID: <bench${i}@example.com>`, 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain; charset=utf-8', '', `Body ${i}.`, '--b',
    'Content-Type: application/octet-stream; name="data.bin"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="data.bin"', '',
    attachment, '--b--', '',
  ].join('\r\n');
}

/** CPU time (user and system) this process has used so far, ms. */
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * The baseline: what a careful copy costs (write a partial, fsync, rename, fsync the folder). Resolves
 * with its seconds and its CPU time in ms.
 */
async function durableCopy(files: string[], dest: string): Promise<{ seconds: number; cpuMs: number }> {
  await mkdir(dest, { recursive: true });
  const cpuBefore = cpuMs();
  const started = performance.now();
  for (const [i, f] of files.entries()) {
    const data = await readFile(f);
    const partial = join(dest, `.${i}.partial`);
    const fh = await open(partial, 'wx');
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    await rename(partial, join(dest, `${i}.eml`));
    const dir = await open(dest, 'r');
    await dir.sync();
    await dir.close();
  }
  return { seconds: (performance.now() - started) / 1000, cpuMs: cpuMs() - cpuBefore };
}

/**
 * Files `warmup` then `count` messages of `size` bytes in `format` through the whole engine
 * (filing-service double, spool, formatter, namer, filesystem sink, state store, reports), in one
 * run, and compares its rate over the last `count` with {@link durableCopy} of those files, measured
 * in the same round. The warm-up filings carry what a process pays once: V8 compiling the hot code,
 * the double warming up as well; their rate is kept as {@link ThroughputResult.coldPerSecond}.
 */
export async function filingThroughput(format: 'eml' | 'msg', count: number, size: number, warmup = count): Promise<ThroughputResult> {
  const root = await mkdtemp(join(tmpdir(), `filing-sync-bench-${format}-`));
  try {
    const all: string[] = [];
    await mkdir(join(root, 'in'));
    for (let i = 0; i < warmup + count; i++) {
      const f = join(root, 'in', `${i}.eml`);
      await writeFile(f, message(i, size));
      all.push(f);
    }
    // The double hands filings out oldest first: the warm-up ones come first, the timed ones after them.
    const files = all.slice(warmup);
    // The disk's speed drifts over seconds on shared machines: one copy before the engine and one after.
    const baselineBefore = await durableCopy(files, join(root, 'copy-before'));
    const target = join(root, 'filed');
    // The engine refuses to sync without a licence: a development one for the bench tenant.
    const devKey = await readFile(new URL('../../tools/licence-issuer/dev-keys/development-2026.private.pem', import.meta.url), 'utf8');
    const licence = join(root, 'Sync-license.lic');
    await writeFile(licence, signLicence({
      version: 1, licensee: 'benchmark', tenant: 'bench', variant: 'service', maxLocations: 1, keyId: TRUSTED_LICENCE_KEYS.find((k) => k.development)!.keyId,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(), issuedAt: new Date().toISOString(),
    }, createPrivateKey(devKey)));
    // The filing service runs in its own process, as it does in production (on another machine):
    // its work is not charged to the connector.
    const manifest = join(root, 'manifest.json');
    await writeFile(manifest, JSON.stringify({ tenant: 'bench', token: 'bench-token', locations: [{ id: 'L1', name: 'Bench', format, targets: [target] }], filings: all.map((eml, i) => ({ id: `F${i}`, location: 'L1', eml })) }));
    const double = await startDoubleProcess(manifest);
    try {
      const connector = await bootConnector(
        { variant: 'service', plugins: PLUGINS, credentialFactories: [], resolveFrom: import.meta.url },
        {
          overrides: [
            { key: 'source.url', value: double.url }, { key: 'source.tenant', value: 'bench' }, { key: 'source.token', value: 'bench-token' },
            { key: 'stateDir', value: join(root, 'state') }, { key: 'sinks.filesystem.allowedRoots', value: [root] },
            // Batch size and concurrency stay at their defaults: the bench measures what a user runs.
            { key: 'log.level', value: 'error' }, { key: 'license', value: licence },
          ],
          logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
          observer: {
            outcome: () => {
              outcomes++;
              if (outcomes === warmup) warm = { at: performance.now(), cpu: cpuMs(), doubleCpu: double.cpuMs() };
            },
          },
        },
      );
      let outcomes = 0;
      let warm: { at: number; cpu: number; doubleCpu: number | undefined } | undefined;
      const started = performance.now();
      const summary = await connector.engine.run({ once: true });
      const ended = { at: performance.now(), cpu: cpuMs(), doubleCpu: double.cpuMs() };
      connector.close();
      if (summary.reported !== warmup + count || !warm) throw new Error(`engine reported ${summary.reported} of ${warmup + count} filings`);
      const baselineAfter = await durableCopy(files, join(root, 'copy-after'));
      const baselinePerSecond = (count / baselineBefore.seconds + count / baselineAfter.seconds) / 2;
      const enginePerSecond = count / ((ended.at - warm.at) / 1000);
      return {
        format, files: count, baselinePerSecond, enginePerSecond, ratio: enginePerSecond / baselinePerSecond,
        coldPerSecond: warmup / ((warm.at - started) / 1000),
        baselineCpuMs: (baselineBefore.cpuMs + baselineAfter.cpuMs) / 2 / count,
        engineCpuMs: (ended.cpu - warm.cpu) / count,
        doubleCpuMs: warm.doubleCpu !== undefined && ended.doubleCpu !== undefined ? (ended.doubleCpu - warm.doubleCpu) / count : undefined,
      };
    } finally {
      double.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Starts the filing-service double's program and waits for its `listening on URL` line. `cpuMs()` reads
 * the CPU time it has used (from `/proc`; `undefined` elsewhere).
 */
async function startDoubleProcess(manifest: string): Promise<{ url: string; cpuMs(): number | undefined; close(): void }> {
  const server = fileURLToPath(new URL('../../test/doubles/dist/filing-service/server.js', import.meta.url));
  const child = spawn(process.execPath, [server, '--port', '0', '--manifest', manifest], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the filing-service double exited (${code}) before listening`)));
  });
  const url = /listening on (\S+)/.exec(line)?.[1];
  if (!url) throw new Error(`unexpected first line from the double: ${line}`);
  // utime and stime, the 14th and 15th fields after the command name, in clock ticks (100 a second on Linux).
  const cpu = (): number | undefined => {
    try {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return undefined;
    }
  };
  return { url, cpuMs: cpu, close: () => child.kill('SIGTERM') };
}
