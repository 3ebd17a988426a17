#!/usr/bin/env node
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { runDesktop } from './run-desktop.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('filing-sync-desktop')
  .description('Files emails into your cloud and local folders, with your own sign-in, and shows what it does in your browser.')
  .version(pkg.version)
  .option('--data-dir <dir>', 'your filing-sync folder: config (desktop.json), state, logs, sign-ins (default: the per-user app data folder)')
  .option('-c, --config <file>', 'configuration file (default: desktop.json in the data folder)')
  .option('--port <port>', 'port of the local web page on 127.0.0.1', parsePort)
  .option('--no-open', 'do not open the browser')
  .showHelpAfterError()
  .action(async (o: { dataDir?: string; config?: string; port?: number; open: boolean }) => {
    await runDesktop({
      ...(o.dataDir ? { dataDir: o.dataDir } : {}),
      ...(o.config ? { configPath: o.config } : {}),
      ...(o.port !== undefined ? { port: o.port } : {}),
      openBrowser: o.open,
    });
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
  process.exitCode = 1;
});

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}
