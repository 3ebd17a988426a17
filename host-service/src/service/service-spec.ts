/** The platforms `filing-sync service` knows. */
export type ServicePlatform = 'windows' | 'linux' | 'macos';

/**
 * Everything a service definition is made from, already resolved to absolute paths in the
 * platform's own form (so a Windows definition can be rendered and tested on Linux).
 * @public
 */
export interface ServiceSpec {
  platform: ServicePlatform;
  /** Service name (Windows service name, systemd unit name, launchd label suffix). */
  name: string;
  description: string;
  /** The node executable. */
  node: string;
  /** The filing-sync CLI script (`dist/cli/main.js`). */
  cli: string;
  /** The install folder: working directory, and where config and licence live by default. */
  installDir: string;
  config: string;
  /**
   * The licence file the service will use (made readable for its account at install): `--license`,
   * else the config's `license`, else `Sync-license.lic` in the install folder. Undefined when the
   * config names it with a `${env:}`/`${file:}` reference, which only the service itself resolves.
   */
  licence: string | undefined;
  /**
   * The account the service runs under: Windows `DOMAIN\user` (a domain user, for network shares),
   * Linux a system user created if missing, macOS an existing user (root when absent).
   */
  account: string | undefined;
  /** Windows: the environment variable the account's password is read from at install. */
  passwordEnv: string;
  /**
   * The state folder (state store, spool, logs): outside the install folder, writable by the
   * account. `--state-dir`, else the config's `stateDir`, else the platform's data folder.
   */
  stateDir: string;
  /**
   * Which of {@link ServiceSpec.licence} and {@link ServiceSpec.stateDir} the service's command line
   * sets: only those given to `service install`, or that the config does not set (a default is
   * needed). A value the config sets stays the config's, so `status` and `doctor --config` on the
   * installed config read the store the service writes.
   */
  passOnCommandLine: { licence: boolean; stateDir: boolean };
  /** What the administrator should know about how the spec was resolved (printed with the plan's notes). */
  notes: string[];
  /** Linux: folders the service may write besides its state (the allowed roots of filesystem targets). */
  writablePaths: string[];
  /** Windows: the WinSW executable to copy next to its definition, when not there already. */
  winsw: string | undefined;
}

/**
 * The arguments the service runs filing-sync with: `run` on the installed config, with `--license`
 * and `--state-dir` only where {@link ServiceSpec.passOnCommandLine} says so (a flag would override
 * the config's own value).
 */
export function runArguments(spec: ServiceSpec): string[] {
  return [
    spec.cli, 'run', '--config', spec.config,
    ...(spec.passOnCommandLine.licence && spec.licence !== undefined ? ['--license', spec.licence] : []),
    ...(spec.passOnCommandLine.stateDir ? ['--state-dir', spec.stateDir] : []),
  ];
}
