// The CLI's commands and their options; started by main.ts once the process is set up.
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { runCommand } from './run-command.js';
import { statusCommand } from './status-command.js';
import { convertCommand } from './convert-command.js';
import { licenseVerifyCommand } from './license-command.js';
import { doctorCommand } from './doctor-command.js';
import { serviceCommand, type ServiceOptions } from '../service/service-command.js';
import type { ServiceAction } from '../service/service-plan.js';
import { addRunOptions, type RunOptions } from './run-options.js';
import { reportFailure } from './report-failure.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('filing-sync')
  .description('Writes filed emails into the folders registered for their locations, and reports each outcome.')
  .version(pkg.version)
  .showHelpAfterError();

addRunOptions(program.command('run').description('run the connector (keeps polling until stopped)'))
  .option('--once', 'drain every pending filing, then exit (1 if any was not filed; 130/143 when stopped by SIGINT/SIGTERM first)')
  .option('--metrics-port <port>', 'serve /healthz and /metrics on 127.0.0.1 at this port (0: any free port)', port)
  .option('--progress-interval <seconds>', 'seconds between progress lines in the log', positive, 30)
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

addRunOptions(program.command('doctor').description('check everything syncing needs, each ok or a problem with what to do (exit 1 on any problem)'))
  .option('--json', 'machine-readable output')
  .action((o) => doctorCommand(o));

const license = program.command('license').description('the licence this connector runs under');
addRunOptions(license.command('verify').description('verify a licence offline, as run does at start (exit 4 when it is refused)'))
  .argument('[file]', 'the licence file (default: as run finds it)')
  .action((file: string | undefined, o: RunOptions) => licenseVerifyCommand(file, o));

const service = program.command('service').description('install and control filing-sync as a Windows service, systemd unit or launchd daemon');
for (const [action, what] of [
  ['install', 'install the service (starts at boot; restarted after a failure)'],
  ['uninstall', 'stop and remove the service (state, logs and config are kept)'],
  ['start', 'start the service'],
  ['stop', 'stop the service gracefully (in-flight writes finish, the lease is released)'],
  ['status', 'show the service manager\'s status'],
] as const) {
  service
    .command(action)
    .description(what)
    .option('--dry-run', 'print exactly what would be installed or run, change nothing')
    .option('--platform <platform>', 'windows, linux or macos (default: this machine; others only with --dry-run)')
    .option('--name <name>', 'service name', 'filing-sync')
    .option('--install-dir <dir>', 'install folder with the config and licence (default: the current folder)')
    .option('--config <file>', 'configuration file, relative to the install folder', 'filing-sync.yaml')
    .option('--license <file>', 'licence file, relative to the install folder (default: the config\'s license, else Sync-license.lic); given, it overrides the config')
    .option('--account <user>', 'account to run as: Windows DOMAIN\\user (required), Linux system user (default filing-sync, created), macOS user')
    .option('--password-env <var>', 'Windows: environment variable holding the account password', 'FILING_SYNC_SERVICE_PASSWORD')
    .option('--state-dir <dir>', 'state folder with the logs (default: the config\'s stateDir, else C:\\ProgramData\\<name>, /var/lib/<name>, /Library/Application Support/<name>); given, it overrides the config')
    .option('--allow-write <dir>', 'Linux: a further folder the service may write (repeatable; the config\'s allowed roots are added)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--node <file>', 'node executable (default: this one)')
    .option('--cli <file>', 'filing-sync CLI script (default: this one)')
    .option('--winsw <exe>', 'Windows: the WinSW executable to copy into the install folder')
    .action((o: ServiceOptions) => serviceCommand(action as ServiceAction, o));
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

function positive(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a number of seconds greater than 0');
  return n;
}

program.parseAsync().catch((err: unknown) => {
  process.exitCode = reportFailure(err);
});
