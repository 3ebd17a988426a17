#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FilingSyncError, LICENCE_FILE_NAME } from '@filing-sync/core';
import { issueLicence, makeKeyPair } from './issue-licence.js';

/**
 * `filing-sync-licence keygen|issue`: the vendor's side of licensing. Run on the vendor's
 * machine only; the private key it makes never ships with filing-sync.
 */
const program = new Command('filing-sync-licence').description('Makes licence signing keys and issues signed Sync-license.lic files (vendor tool).').showHelpAfterError();

program
  .command('keygen')
  .description('make an Ed25519 key pair: <id>.private.pem (keep it offline) and <id>.public.pem, and print the entry for core/src/licence/trusted-keys.ts')
  .requiredOption('--key-id <id>', 'name of the key, carried in every licence it signs (e.g. acme-2027)')
  .option('--out <dir>', 'folder to write the key files to', '.')
  .action((o: { keyId: string; out: string }) => {
    const { privateKeyPem, trusted } = makeKeyPair(o.keyId);
    const priv = join(o.out, `${o.keyId}.private.pem`);
    writeFileSync(priv, privateKeyPem, { mode: 0o600, flag: 'wx' });
    writeFileSync(join(o.out, `${o.keyId}.public.pem`), trusted.publicKey, { flag: 'wx' });
    process.stdout.write(`Wrote ${priv} (keep it secret) and ${join(o.out, `${o.keyId}.public.pem`)}.\n`);
    process.stdout.write(`Put this entry in TRUSTED_LICENCE_KEYS (core/src/licence/trusted-keys.ts) of your release build:\n${JSON.stringify(trusted, null, 2)}\n`);
  });

program
  .command('issue')
  .description(`sign a licence and write it as ${LICENCE_FILE_NAME}`)
  .requiredOption('--key <file>', 'the private key (PEM) from keygen')
  .option('--key-id <id>', 'the key id (default: the key file name before .private.pem)')
  .requiredOption('--licensee <name>', 'who the licence is issued to')
  .requiredOption('--tenant <tenant>', 'the filing-service tenant it covers')
  .requiredOption('--variant <variant>', 'service, desktop or both', variant)
  .requiredOption('--expires <date>', 'last moment of validity (ISO 8601 date or date-time, UTC)', isoDate)
  .requiredOption('--max-locations <n>', 'most locations the tenant may sync', positiveInteger)
  .option('--out <file>', 'where to write the licence', LICENCE_FILE_NAME)
  .action((o: { key: string; keyId?: string; licensee: string; tenant: string; variant: 'service' | 'desktop' | 'both'; expires: string; maxLocations: number; out: string }) => {
    const keyId = o.keyId ?? basename(o.key).replace(/\.private\.pem$/, '').replace(/\.pem$/, '');
    const text = issueLicence({ licensee: o.licensee, tenant: o.tenant, variant: o.variant, expiresAt: o.expires, maxLocations: o.maxLocations }, readFileSync(o.key, 'utf8'), keyId);
    writeFileSync(o.out, text);
    process.stdout.write(`Wrote ${o.out}: ${o.variant} licence for tenant "${o.tenant}" (${o.licensee}) until ${o.expires}, signed with key "${keyId}".\n`);
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).message}\n${err instanceof FilingSyncError ? `${err.action}\n` : ''}`);
  process.exitCode = 1;
});

function variant(v: string): string {
  if (!['service', 'desktop', 'both'].includes(v)) throw new InvalidArgumentError('expected service, desktop or both');
  return v;
}

function isoDate(v: string): string {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T23:59:59Z` : v);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('expected an ISO 8601 date (2027-12-31) or date-time');
  return d.toISOString();
}

function positiveInteger(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}
