import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '@filing-sync/core';

/** A command-line argument taken from an environment variable when run, and never printed. */
export interface SecretArg {
  secretEnv: string;
}

/**
 * A command-line argument naming an account's primary group, looked up (`id -gn`) when the step
 * runs: an existing account's group need not share its name (`nobody` is in `nogroup`), and an
 * account created by an earlier step does not exist yet when the plan is made. A dry run shows it
 * as `<prefix>$(id -gn <account>)`, so its output does not depend on the machine.
 */
export interface PrimaryGroupArg {
  prefix: string;
  primaryGroupOf: string;
}

/** One argument of a command the plan runs. */
export type StepArg = string | SecretArg | PrimaryGroupArg;

/** One thing a service action does. */
export type ServiceStep =
  | { kind: 'write'; path: string; content: string; mode?: number }
  | { kind: 'copy'; from: string; to: string }
  | { kind: 'mkdir'; path: string }
  | { kind: 'remove'; path: string }
  | {
      kind: 'run';
      argv: StepArg[];
      /** Skipped when this command succeeds (e.g. the account exists already). */
      unless?: string[];
      /** A failure does not stop the action (e.g. stopping a service that is not running). */
      mayFail?: boolean;
    };

/** The actions `filing-sync service` offers. */
export type ServiceAction = 'install' | 'uninstall' | 'start' | 'stop' | 'status';

/** Every action's steps for one platform. */
export type ServicePlan = Record<ServiceAction, ServiceStep[]> & {
  /** Notes printed after a dry run (what the administrator still has to do by hand). */
  notes: string[];
};

/** How an argument is shown: secrets as asterisks, a group lookup as the shell would write it, arguments with spaces quoted. */
function show(arg: StepArg): string {
  if (typeof arg !== 'string') return 'secretEnv' in arg ? '********' : `${show(arg.prefix)}$(id -gn ${show(arg.primaryGroupOf)})`;
  return /[\s"]/.test(arg) ? `"${arg.replace(/"/g, '\\"')}"` : arg;
}

/**
 * The dry-run text of an action: each command as it would be run (secrets masked), each file
 * with its exact content.
 * @public
 */
export function describeSteps(steps: readonly ServiceStep[]): string {
  const out: string[] = [];
  for (const s of steps) {
    switch (s.kind) {
      case 'write':
        out.push(`--- write ${s.path}${s.mode === undefined ? '' : ` (mode ${s.mode.toString(8)})`}`, s.content.replace(/\n$/, ''), '--- end');
        break;
      case 'copy':
        out.push(`--- copy ${s.from} to ${s.to}`);
        break;
      case 'remove':
        out.push(`--- remove ${s.path}`);
        break;
      case 'mkdir':
        out.push(`--- create folder ${s.path}`);
        break;
      case 'run':
        out.push(`$ ${s.argv.map(show).join(' ')}${s.unless ? `    (skipped when \`${s.unless.map(show).join(' ')}\` succeeds)` : ''}${s.mayFail ? '    (a failure is ignored)' : ''}`);
        break;
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * Carries the steps out, in order, stopping at the first failure (unless the step may fail).
 * Commands run without a shell, their output shown. Throws naming the step that failed.
 * @public
 */
export function executeSteps(steps: readonly ServiceStep[], env: NodeJS.ProcessEnv = process.env): void {
  for (const s of steps) {
    switch (s.kind) {
      case 'write':
        mkdirSync(dirname(s.path), { recursive: true });
        writeFileSync(s.path, s.content, s.mode === undefined ? {} : { mode: s.mode });
        break;
      case 'copy':
        mkdirSync(dirname(s.to), { recursive: true });
        copyFileSync(s.from, s.to);
        break;
      case 'remove':
        rmSync(s.path, { force: true });
        break;
      case 'mkdir':
        mkdirSync(s.path, { recursive: true });
        break;
      case 'run': {
        if (s.unless && spawnSync(s.unless[0]!, s.unless.slice(1), { stdio: 'ignore' }).status === 0) break;
        const argv = s.argv.map((a) => {
          if (typeof a === 'string') return a;
          if ('primaryGroupOf' in a) return a.prefix + primaryGroup(a.primaryGroupOf);
          const value = env[a.secretEnv];
          if (!value) throw new Error(`set the environment variable ${a.secretEnv} (the service account's password) before installing`);
          return value;
        });
        const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit' });
        if ((r.error || r.status !== 0) && !s.mayFail) {
          throw new Error(`\`${s.argv.map(show).join(' ')}\` failed (${r.error?.message ?? `exit code ${r.status}`})`);
        }
      }
    }
  }
}

/** An account's primary group (`id -gn`). Throws {@link ConfigError} naming `--account` when there is no such account. */
function primaryGroup(account: string): string {
  const r = spawnSync('id', ['-gn', account], { encoding: 'utf8' });
  const group = r.status === 0 ? r.stdout.trim() : '';
  if (!group) {
    throw new ConfigError([{ key: '--account', expected: `an existing account whose primary group \`id -gn ${account}\` names`, found: (r.error?.message ?? r.stderr.trim()) || account }], {
      action: 'Give an existing user with --account (or leave it out to have the filing-sync system user created), then install again.',
    });
  }
  return group;
}
