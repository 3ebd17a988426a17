#!/usr/bin/env node
/**
 * The filing-service double as a program:
 *
 *   node test/doubles/dist/filing-service/server.js --port 0 --manifest FILE
 *        [--fail-rate 0.3] [--visibility-timeout SECONDS] [--lease-ttl SECONDS]
 *        [--target-root DIR] [--seed N] [--https]
 *
 * Its first line of output is `listening on http://127.0.0.1:PORT`. Stops on SIGINT/SIGTERM.
 * @packageDocumentation
 */
import { parseArgs } from 'node:util';
import { startFilingServiceDouble } from './double.js';

const USAGE =
  'usage: server.js --manifest FILE [--port N] [--fail-rate 0..1] [--visibility-timeout SECONDS] ' +
  '[--lease-ttl SECONDS] [--target-root DIR] [--seed N] [--https]';

/** Parses a number option, or exits naming it. */
function num(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`--${name}: expected a number from ${min} to ${max}, found "${raw}"\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '0' },
        manifest: { type: 'string' },
        'fail-rate': { type: 'string' },
        'visibility-timeout': { type: 'string' },
        'lease-ttl': { type: 'string' },
        'target-root': { type: 'string' },
        seed: { type: 'string' },
        https: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.manifest) {
    process.stderr.write(`--manifest: required\n${USAGE}\n`);
    process.exit(2);
  }
  const visibility = num('visibility-timeout', values['visibility-timeout'], 0.001, 86_400);
  const leaseTtl = num('lease-ttl', values['lease-ttl'], 0.001, 3_600);
  const seed = num('seed', values.seed, 0, 2 ** 32 - 1);
  const double = await startFilingServiceDouble({
    manifest: values.manifest,
    port: num('port', values.port, 0, 65_535)!,
    failRate: num('fail-rate', values['fail-rate'], 0, 1) ?? 0,
    https: values.https,
    ...(visibility !== undefined ? { visibilityTimeoutMs: visibility * 1000 } : {}),
    ...(leaseTtl !== undefined ? { leaseTtlMs: leaseTtl * 1000 } : {}),
    ...(seed !== undefined ? { faultSeed: seed } : {}),
    ...(values['target-root'] ? { targetRoot: values['target-root'] } : {}),
  });
  process.stdout.write(`listening on ${double.url}\n`);
  process.stdout.write(`tenant ${double.tenant}: ${double.manifest.locations.length} locations, ${double.filings().length} filings\n`);
  const stop = (): void => {
    void double.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
