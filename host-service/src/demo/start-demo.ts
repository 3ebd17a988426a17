import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootConnector, type Filing, type TargetOutcome } from '@filing-sync/core';
import { serviceHost } from '../composition.js';
import { reportFailure } from '../cli/report-failure.js';

/**
 * `npm start`: the main job on the embedded default. Starts the filing-service double with the
 * bundled sample manifest, runs the service host against it (files land under `./var/filed`),
 * prints what was filed where, and keeps polling until Ctrl-C. Run it twice: the second run finds
 * everything recorded and writes nothing new.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const manifestPath = join(repo, 'host-service/demo/manifest.json');
// Where ./var lives: the repository, unless FILING_SYNC_DEMO_ROOT names another folder (tests).
const base = process.env['FILING_SYNC_DEMO_ROOT'] ? resolve(process.env['FILING_SYNC_DEMO_ROOT']) : repo;
const varDir = join(base, 'var');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { tenant: string; token: string };
// The allowed root must exist (the filesystem sink never invents a missing drive or share).
mkdirSync(join(varDir, 'filed'), { recursive: true });

// Signals are caught before the double is spawned: a Ctrl-C that arrives while spawn() runs would
// otherwise end this process by default and leave the detached double running.
let double: ChildProcess | undefined;
const stopDouble = (): void => {
  if (double && double.exitCode === null && double.signalCode === null) double.kill('SIGTERM');
};
process.once('exit', stopDouble);
let stopping = false;
let stopEngine: (() => void) | undefined;
const onSignal = (): void => {
  if (stopping) {
    // A second Ctrl-C: do not wait for in-flight writes.
    stopDouble();
    process.exit(130);
  }
  stopping = true;
  // Running: the connector finishes in-flight writes and releases its lease, then the double goes.
  // Starting: there is nothing to finish.
  if (stopEngine) stopEngine();
  else stopDouble();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

double = spawn(
  process.execPath,
  [join(repo, 'test/doubles/dist/filing-service/server.js'), '--port', '0', '--manifest', manifestPath, '--target-root', base],
  // Its own process group: Ctrl-C reaches the connector, which then releases its lease while the double still answers.
  // Being detached, nothing but this process stops it (Ctrl-C does not reach its process group).
  { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
);
const started = double;

const byLocation = new Map<string, Map<string, number>>();
let drained = false;
const print = (filing: Filing, o: TargetOutcome) => {
  const where = o.path ? relative(base, o.path) : o.target;
  process.stdout.write(`  ${o.outcome.padEnd(9)} ${filing.location.name} → ${where}${o.reason ? `  (${o.reason})` : ''}\n`);
  const counts = byLocation.get(filing.location.name) ?? new Map<string, number>();
  counts.set(o.outcome, (counts.get(o.outcome) ?? 0) + 1);
  byLocation.set(filing.location.name, counts);
};

try {
  const firstLine = await new Promise<string>((res, rej) => {
    createInterface({ input: started.stdout! }).once('line', res);
    started.once('exit', (code) => rej(new Error(`the filing-service double exited (${code}) before listening`)));
  });
  const url = /listening on (\S+)/.exec(firstLine)?.[1];
  if (!url) throw new Error(`unexpected first line from the double: ${firstLine}`);
  process.stdout.write(`Filing-service double (tenant "${manifest.tenant}") at ${url}\n`);

  const connector = await bootConnector(serviceHost(), {
    overrides: [
      { key: 'source.url', value: url },
      { key: 'source.tenant', value: manifest.tenant },
      { key: 'source.token', value: manifest.token },
      { key: 'stateDir', value: join(varDir, 'state') },
      { key: 'sinks.filesystem.allowedRoots', value: [join(varDir, 'filed')], append: true },
      { key: 'poll.intervalSeconds', value: 5 },
      { key: 'log.level', value: 'warn' },
      // The development licence for the sample tenant, signed with the published development key.
      { key: 'license', value: join(repo, 'host-service/demo/Sync-license.lic') },
    ],
    observer: {
      outcome: (filing, o) => print(filing, o),
      // The first time everything queued has been filed.
      idle: () => {
        if (!drained) {
          drained = true;
          summarise();
        }
      },
    },
  });
  if (stopping) {
    connector.close();
    process.stdout.write('Stopped before filing started.\n');
  } else {
    stopEngine = () => connector.engine.stop();
    process.stdout.write('Filing… (Ctrl-C to stop)\n');
    await connector.engine.run();
    connector.close();
  }
} catch (err) {
  // A stop while starting ends the double, which the start then reports: that is no failure.
  if (stopping) process.stdout.write('Stopped before filing started.\n');
  else process.exitCode = reportFailure(err);
} finally {
  stopDouble();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
}

function summarise(): void {
  if (byLocation.size === 0) {
    process.stdout.write('Nothing new to file: every pending filing was already recorded (files under var/filed are unchanged).\n');
  } else {
    process.stdout.write('\nSummary:\n');
    for (const [loc, counts] of byLocation) {
      process.stdout.write(`  ${loc}: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
    }
  }
  process.stdout.write(`Files are under ${relative(process.cwd(), join(varDir, 'filed')) || '.'}. Still polling every 5 s; Ctrl-C to stop.\n`);
}
