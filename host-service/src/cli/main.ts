#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { runCommand } from './run-command.js';
import { statusCommand } from './status-command.js';
import { convertCommand } from './convert-command.js';
import { licenseVerifyCommand } from './license-command.js';
import { addRunOptions, type RunOptions } from './run-options.js';
import { reportFailure } from './report-failure.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('filing-sync')
  .description('Writes filed emails into the folders registered for their locations, and reports each outcome.')
  .version(pkg.version)
  .showHelpAfterError();

addRunOptions(program.command('run').description('run the connector (keeps polling until stopped)'))
  .option('--once', 'drain every pending filing, then exit (non-zero if any was not filed)')
  .action((o) => runCommand(o));

addRunOptions(program.command('status').description('what has been filed, what is pending or failed, and the lease holder'))
  .option('--json', 'machine-readable output')
  .action((o) => statusCommand(o));

program
  .command('convert')
  .description('convert one message with a formatter alone')
  .requiredOption('--to <format>', 'eml or msg')
  .argument('<in>', 'an RFC 5322 message (.eml)')
  .argument('<out>', 'the file to write')
  .action((input: string, output: string, o: { to: string }) => convertCommand(input, output, o.to));

const license = program.command('license').description('the licence this connector runs under');
addRunOptions(license.command('verify').description('verify a licence offline, as run does at start (exit 4 when it is refused)'))
  .argument('[file]', 'the licence file (default: as run finds it)')
  .action((file: string | undefined, o: RunOptions) => licenseVerifyCommand(file, o));

program.parseAsync().catch((err: unknown) => {
  process.exitCode = reportFailure(err);
});
