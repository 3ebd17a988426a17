import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { ConfigOverride } from '@filing-sync/core';

/** The options `run`, `status` and `doctor` share: a config file plus flags laid over it. */
export interface RunOptions {
  config?: string;
  sourceUrl?: string;
  token?: string;
  tenant?: string;
  stateDir?: string;
  allowRoot?: string[];
  logLevel?: string;
  license?: string;
}

/** Adds the shared options to a command. */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file (JSON or YAML)')
    .option('--source-url <url>', 'filing service URL (source.url)')
    .addOption(new Option('--token <token>', 'filing service bearer token (source.token); prefer ${env:…} in the config').env('FILING_SYNC_TOKEN'))
    .option('--tenant <tenant>', 'tenant id (source.tenant)')
    .option('--state-dir <dir>', 'state folder (stateDir)')
    .option('--allow-root <dir>', 'a folder filesystem targets may be under (repeatable; sinks.filesystem.allowedRoots)', collect, [])
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace (log.level)')
    .option('--license <file>', 'the licence file (license; default: Sync-license.lic beside the config, then in the install folder)');
}

/**
 * Turns the flags into config overrides. Path flags are resolved here, against the current folder
 * where they were typed: the config's own paths are relative to the config file's folder, and
 * an absolute path stays as it is there.
 */
export function toOverrides(o: RunOptions, cwd: string = process.cwd()): ConfigOverride[] {
  const path = (p: string | undefined) => (p === undefined ? undefined : resolve(cwd, p));
  return [
    { key: 'source.url', value: o.sourceUrl },
    { key: 'source.token', value: o.token },
    { key: 'source.tenant', value: o.tenant },
    { key: 'stateDir', value: path(o.stateDir) },
    { key: 'log.level', value: o.logLevel },
    { key: 'license', value: path(o.license) },
    ...(o.allowRoot?.length ? [{ key: 'sinks.filesystem.allowedRoots', value: o.allowRoot.map((r) => resolve(cwd, r)), append: true }] : []),
  ];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
