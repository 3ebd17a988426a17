/**
 * What the scale benchmarks share: a development licence, the service host's CLI as a child
 * process with its peak memory sampled, and a silent log destination.
 */
import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { signLicence, TRUSTED_LICENCE_KEYS } from '@filing-sync/core';

/** The service host's CLI (built). */
export const HOST_CLI = fileURLToPath(new URL('../../host-service/dist/cli/main.js', import.meta.url));

/** Plugins of the service host. */
export const SERVICE_PLUGINS = ['@filing-sync/source-filing-service', '@filing-sync/formatter-eml', '@filing-sync/formatter-msg', '@filing-sync/sink-filesystem'];

/** A log destination that drops everything. */
export const silent = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

/** Writes a development licence for `tenant` into `dir` and returns its path (benchmarks only). */
export async function benchLicence(dir: string, tenant: string): Promise<string> {
  const devKey = await readFile(new URL('../../tools/licence-issuer/dev-keys/development-2026.private.pem', import.meta.url), 'utf8');
  const path = join(dir, 'Sync-license.lic');
  await writeFile(path, signLicence({
    version: 1, licensee: 'benchmark', tenant, variant: 'service', maxLocations: 10, keyId: TRUSTED_LICENCE_KEYS.find((k) => k.development)!.keyId,
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(), issuedAt: new Date().toISOString(),
  }, createPrivateKey(devKey)));
  return path;
}

/**
 * Runs `filing-sync <args>` to the end and returns its exit code, output, wall time and peak RSS
 * (the kernel's `VmHWM`, sampled every 20 ms from `/proc`, so only a peak in the last 20 ms before
 * exit could be missed).
 */
export function runHostMeasured(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string; seconds: number; peakRssMiB: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [HOST_CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  let peakKiB = 0;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
    } catch {
      // gone
    }
  };
  const timer = setInterval(sample, 20);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, output, seconds: (performance.now() - started) / 1000, peakRssMiB: peakKiB / 1024 });
    });
  });
}
