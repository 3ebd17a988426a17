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
  licence: string;
  /**
   * The account the service runs under: Windows `DOMAIN\user` (a domain user, for network shares),
   * Linux a system user created if missing, macOS an existing user (root when absent).
   */
  account: string | undefined;
  /** Windows: the environment variable the account's password is read from at install. */
  passwordEnv: string;
  /** The state folder (state store, spool, logs): outside the install folder, writable by the account. */
  stateDir: string;
  /** Linux: folders the service may write besides its state (the allowed roots of filesystem targets). */
  writablePaths: string[];
  /** Windows: the WinSW executable to copy next to its definition, when not there already. */
  winsw: string | undefined;
}

/** The arguments the service runs filing-sync with: `run` on the install folder's config and licence. */
export function runArguments(spec: ServiceSpec): string[] {
  return [
    spec.cli, 'run', '--config', spec.config, '--license', spec.licence, '--state-dir', spec.stateDir,
  ];
}
