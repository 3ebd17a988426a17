import { existsSync } from 'node:fs';
import { posix, win32, type PlatformPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, readConfigFile } from '@filing-sync/core';
import { reportFailure } from '../cli/report-failure.js';
import { launchdPlan } from './launchd-plist.js';
import { describeSteps, executeSteps, type ServiceAction, type ServicePlan } from './service-plan.js';
import type { ServicePlatform, ServiceSpec } from './service-spec.js';
import { systemdPlan } from './systemd-unit.js';
import { windowsPlan } from './windows-service.js';

/** Options of `filing-sync service <action>`. */
export interface ServiceOptions {
  platform?: string;
  name: string;
  installDir?: string;
  config?: string;
  license?: string;
  account?: string;
  passwordEnv: string;
  stateDir?: string;
  allowWrite: string[];
  node?: string;
  cli?: string;
  winsw?: string;
  dryRun?: boolean;
}

const DEFAULT_NODE: Record<ServicePlatform, string> = {
  windows: 'C:\\Program Files\\nodejs\\node.exe',
  linux: '/usr/bin/node',
  macos: '/usr/local/bin/node',
};

/** Where state and logs go by default: the platform's place for a service's data. */
const DEFAULT_STATE_ROOT: Record<ServicePlatform, string> = {
  windows: 'C:\\ProgramData',
  linux: '/var/lib',
  macos: '/Library/Application Support',
};

/** The platform this process runs on, in the service command's terms. */
export function currentPlatform(): ServicePlatform | undefined {
  return ({ win32: 'windows', linux: 'linux', darwin: 'macos' } as Record<string, ServicePlatform>)[process.platform];
}

/**
 * Resolves the options into a {@link ServiceSpec}. Paths are the target platform's (a Windows
 * spec rendered elsewhere needs absolute Windows paths). Throws {@link ConfigError} naming the option.
 * @public
 */
export function resolveServiceSpec(action: ServiceAction, o: ServiceOptions): ServiceSpec {
  const here = currentPlatform();
  const platform = (o.platform ?? here) as ServicePlatform | undefined;
  if (!platform || !['windows', 'linux', 'macos'].includes(platform)) {
    throw new ConfigError([{ key: '--platform', expected: 'windows, linux or macos', found: o.platform ?? process.platform }]);
  }
  const native = platform === here;
  const p = platform === 'windows' ? win32 : posix;
  const absolute = (key: string, value: string, base?: string): string => {
    if (base !== undefined) return p.resolve(base, value);
    if (native) return p.resolve(value);
    if (!p.isAbsolute(value)) throw new ConfigError([{ key, expected: `an absolute ${platform} path when rendering for another platform`, found: value }]);
    return p.normalize(value);
  };
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(o.name)) throw new ConfigError([{ key: '--name', expected: 'letters, digits, dot, dash or underscore (at most 64)', found: o.name }]);
  const installDir = absolute('--install-dir', o.installDir ?? process.cwd());
  const config = absolute('--config', o.config ?? 'filing-sync.yaml', installDir);
  if (platform === 'windows' && action === 'install' && !o.account) {
    throw new ConfigError([{ key: '--account', expected: 'the domain user the service runs as (DOMAIN\\user): LocalSystem cannot write to network shares' }], {
      action: `Give --account DOMAIN\\user and its password in the environment variable ${o.passwordEnv}.`,
    });
  }
  // A value the installed config sets is left to the config: a flag on the service's command line
  // would override it, and `status`/`doctor --config` would then read another store than the service.
  // Only install writes the command line; the other actions need neither value.
  const configured = action === 'install' ? readConfiguredPaths(config, p) : undefined;
  const read = configured?.kind === 'read' ? configured : undefined;
  const notes: string[] = [];
  let stateDir: string;
  let passStateDir = true;
  if (o.stateDir) stateDir = absolute('--state-dir', o.stateDir);
  else {
    stateDir = p.join(DEFAULT_STATE_ROOT[platform], o.name);
    const c = read?.stateDir;
    if (c?.kind === 'path') {
      stateDir = c.path;
      passStateDir = false;
    } else if (c?.kind === 'reference') {
      throw new ConfigError([{ key: 'stateDir', expected: `a folder path in ${config} (install sets up the state folder for the service account; the reference ${c.value} is resolved only when the service runs)`, found: c.value }], {
        action: 'Give the state folder with --state-dir DIR, or write its path in the config, then install again.',
      });
    }
  }
  let licence: string | undefined;
  let passLicence = true;
  if (o.license) licence = absolute('--license', o.license, installDir);
  else {
    licence = p.join(installDir, 'Sync-license.lic');
    const c = read?.license;
    if (c?.kind === 'path') {
      licence = c.path;
      passLicence = false;
    } else if (c?.kind === 'reference') {
      licence = undefined;
      passLicence = false;
      notes.push(`The config names the licence with ${c.value}, resolved only when the service runs: make that file readable by the service account.`);
    }
  }
  if (configured?.kind === 'unreadable' && (!o.stateDir || !o.license)) {
    const defaults = [...(o.license ? [] : [`--license ${licence}`]), ...(o.stateDir ? [] : [`--state-dir ${stateDir}`])];
    notes.push(`${config} cannot be read here (${configured.reason}): the service is given ${defaults.join(' and ')}, which take precedence over the config's license and stateDir.`);
  }
  return {
    platform,
    name: o.name,
    description: 'filing-sync: writes filed emails into project folders and reports each outcome (service variant)',
    node: o.node ? absolute('--node', o.node) : native ? process.execPath : DEFAULT_NODE[platform],
    cli: o.cli ? absolute('--cli', o.cli) : native ? fileURLToPath(new URL('../cli/main.js', import.meta.url)) : p.join(installDir, 'node_modules', '@filing-sync', 'host-service', 'dist', 'cli', 'main.js'),
    installDir,
    config,
    licence,
    account: o.account,
    passwordEnv: o.passwordEnv,
    stateDir,
    passOnCommandLine: { licence: passLicence, stateDir: passStateDir },
    notes,
    writablePaths: [...new Set([...o.allowWrite.map((w) => absolute('--allow-write', w)), ...(native ? allowedRootsOf(config) : [])])],
    winsw: o.winsw ? absolute('--winsw', o.winsw) : undefined,
  };
}

/** A path key of the installed config as `service install` finds it. */
type ConfiguredPath = { kind: 'absent' } | { kind: 'path'; path: string } | { kind: 'reference'; value: string };

/**
 * The config's `stateDir` and `license` as `run` will read them: relative paths resolved against
 * the config's folder. `unreadable` when the file cannot be read here (not written yet, or a path
 * of another platform). Throws {@link ConfigError} for a value that is no path at all.
 */
function readConfiguredPaths(config: string, p: PlatformPath): { kind: 'unreadable'; reason: string } | { kind: 'read'; stateDir: ConfiguredPath; license: ConfiguredPath } {
  let raw: Record<string, unknown>;
  try {
    if (!existsSync(config)) return { kind: 'unreadable', reason: 'no such file' };
    raw = readConfigFile(config);
  } catch (err) {
    return { kind: 'unreadable', reason: err instanceof ConfigError ? (err.issues[0]?.expected ?? err.message) : (err as Error).message };
  }
  const pathOf = (key: 'stateDir' | 'license'): ConfiguredPath => {
    const v = raw[key];
    if (v === undefined || v === null) return { kind: 'absent' };
    if (typeof v !== 'string' || v.trim() === '') {
      throw new ConfigError([{ key, expected: `a path in ${config}`, found: JSON.stringify(v) }], { action: `Fix ${key} in ${config}, then install again.` });
    }
    if (/^\$\{(env|file):.+\}$/.test(v.trim())) return { kind: 'reference', value: v.trim() };
    return { kind: 'path', path: p.resolve(p.dirname(config), v) };
  };
  return { kind: 'read', stateDir: pathOf('stateDir'), license: pathOf('license') };
}

/** The filesystem sink's allowed roots from the config, when it can be read: the service writes there. */
function allowedRootsOf(config: string): string[] {
  if (!existsSync(config)) return [];
  try {
    const roots = ((readConfigFile(config)['sinks'] as Record<string, unknown> | undefined)?.['filesystem'] as { allowedRoots?: unknown } | undefined)?.allowedRoots;
    return Array.isArray(roots) ? roots.filter((r): r is string => typeof r === 'string' && posix.isAbsolute(r)) : [];
  } catch {
    return [];
  }
}

/** The plan of a platform. */
export function servicePlan(spec: ServiceSpec): ServicePlan {
  return spec.platform === 'windows' ? windowsPlan(spec) : spec.platform === 'linux' ? systemdPlan(spec) : launchdPlan(spec);
}

/**
 * What `--dry-run` prints: a header, every command (secrets masked) and the full text of every
 * file, then for `install` what the administrator still has to do by hand.
 * @public
 */
export function dryRun(action: ServiceAction, o: ServiceOptions): string {
  const spec = resolveServiceSpec(action, o);
  const plan = servicePlan(spec);
  const notes = action === 'install' ? [...spec.notes, ...plan.notes].map((n) => `# note: ${n}\n`).join('') : '';
  return `# filing-sync service ${action} on ${spec.platform} (dry run: nothing is changed)\n${describeSteps(plan[action])}${notes}`;
}

/**
 * `filing-sync service install|uninstall|start|stop|status [--dry-run]`. A dry run prints every
 * command and the full text of every file it would write, for any platform; otherwise the steps
 * run on this platform (as root / Administrator).
 */
export async function serviceCommand(action: ServiceAction, o: ServiceOptions): Promise<void> {
  try {
    if (o.dryRun) {
      process.stdout.write(dryRun(action, o));
      return;
    }
    const spec = resolveServiceSpec(action, o);
    const plan = servicePlan(spec);
    const steps = plan[action];
    if (spec.platform !== currentPlatform()) {
      throw new ConfigError([{ key: '--platform', expected: `${currentPlatform()} (this machine) unless --dry-run is given`, found: spec.platform }]);
    }
    executeSteps(steps);
    if (action === 'install') {
      process.stdout.write(`Installed the service ${spec.name}; start it with \`filing-sync service start\`.\n`);
      for (const n of [...spec.notes, ...plan.notes]) process.stdout.write(`Note: ${n}\n`);
    }
  } catch (err) {
    process.exitCode = reportFailure(err);
  }
}
