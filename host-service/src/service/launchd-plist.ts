import { posix } from 'node:path';
import { build } from 'plist';
import { runArguments, type ServiceSpec } from './service-spec.js';
import type { ServicePlan } from './service-plan.js';

/** The launchd label of a service. */
export function launchdLabel(spec: ServiceSpec): string {
  return `org.filing-sync.${spec.name}`;
}

/**
 * The launchd daemon definition: started at boot, restarted when it exits with an error (not
 * after a clean stop), stopped with SIGTERM and 30 s to finish. Log lines go to the rotating
 * files in the state folder; launchd keeps only stderr, for errors before logging starts.
 * @public
 */
export function launchdPlist(spec: ServiceSpec): string {
  return `${build({
    Label: launchdLabel(spec),
    ProgramArguments: [spec.node, ...runArguments(spec)],
    WorkingDirectory: spec.installDir,
    ...(spec.account ? { UserName: spec.account } : {}),
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    ThrottleInterval: 10,
    ExitTimeOut: 30,
    ProcessType: 'Background',
    EnvironmentVariables: { NODE_ENV: 'production' },
    StandardOutPath: '/dev/null',
    StandardErrorPath: posix.join(spec.stateDir, 'logs', 'launchd-stderr.log'),
  })}\n`;
}

/** Install, uninstall, start, stop and status on macOS with launchd. @public */
export function launchdPlan(spec: ServiceSpec): ServicePlan {
  const label = launchdLabel(spec);
  const path = posix.join('/Library/LaunchDaemons', `${label}.plist`);
  return {
    install: [
      { kind: 'mkdir', path: posix.join(spec.stateDir, 'logs') },
      ...(spec.account ? [{ kind: 'run' as const, argv: ['chown', '-R', spec.account, spec.stateDir] }] : []),
      { kind: 'write', path, content: launchdPlist(spec), mode: 0o644 },
      { kind: 'run', argv: ['chown', 'root:wheel', path] },
      { kind: 'run', argv: ['launchctl', 'bootstrap', 'system', path] },
      { kind: 'run', argv: ['launchctl', 'enable', `system/${label}`] },
    ],
    uninstall: [
      { kind: 'run', argv: ['launchctl', 'bootout', `system/${label}`], mayFail: true },
      { kind: 'remove', path },
    ],
    start: [{ kind: 'run', argv: ['launchctl', 'kickstart', `system/${label}`] }],
    stop: [{ kind: 'run', argv: ['launchctl', 'kill', 'SIGTERM', `system/${label}`] }],
    status: [{ kind: 'run', argv: ['launchctl', 'print', `system/${label}`] }],
    notes: [`The daemon runs as ${spec.account ?? 'root'}; give that account write access to every target folder.`],
  };
}
