import { posix } from 'node:path';
import { runArguments, type ServiceSpec } from './service-spec.js';
import type { ServicePlan } from './service-plan.js';

/** Exit codes after which a restart cannot help (config and licence problems); see report-failure.ts. */
const NO_RESTART_EXIT_CODES = '2 4';

/** Quotes one ExecStart word for systemd (double quotes, `%` doubled). */
function quote(word: string): string {
  const escaped = word.replace(/%/g, '%%');
  return /[\s"'\\;$]/.test(escaped) ? `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : escaped;
}

/**
 * The systemd unit: restarted on failure (not after config or licence errors), run as a
 * dedicated system user (in its primary group: no `Group=`, as an existing account's group need
 * not share its name), with the file system read-only except the state folder and the
 * folders it files into, no new privileges, no capabilities, private /tmp and devices.
 * @public
 */
export function systemdUnit(spec: ServiceSpec): string {
  const user = spec.account ?? 'filing-sync';
  const writable = [...(spec.stateDir.startsWith('/var/lib/') ? [] : [spec.stateDir]), ...spec.writablePaths];
  const underHome = writable.some((p) => /^\/(home|root|run\/user)(\/|$)/.test(p));
  const lines = [
    '[Unit]',
    `Description=${spec.description}`,
    'Wants=network-online.target',
    'After=network-online.target remote-fs.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${user}`,
    `WorkingDirectory=${spec.installDir}`,
    `ExecStart=${[spec.node, ...runArguments(spec)].map(quote).join(' ')}`,
    'Environment=NODE_ENV=production',
    // The state folder under /var/lib, made and owned for the service user by systemd.
    ...(spec.stateDir.startsWith('/var/lib/') ? [`StateDirectory=${spec.stateDir.slice('/var/lib/'.length)}`, 'StateDirectoryMode=0750'] : []),
    'Restart=on-failure',
    'RestartSec=10s',
    `RestartPreventExitStatus=${NO_RESTART_EXIT_CODES}`,
    // A stop is SIGTERM: the connector finishes in-flight writes and releases the tenant lease.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30s',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    `ProtectHome=${underHome ? 'read-only' : 'yes'}`,
    // StateDirectory= makes the state folder writable; anything else must be listed.
    ...(writable.length ? [`ReadWritePaths=${writable.map((p) => quote(p)).join(' ')}`] : []),
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictSUIDSGID=yes',
    'RestrictRealtime=yes',
    'RestrictNamespaces=yes',
    'LockPersonality=yes',
    'CapabilityBoundingSet=',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    'SystemCallArchitectures=native',
    'UMask=0027',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}

/** Install, uninstall, start, stop and status on Linux with systemd. @public */
export function systemdPlan(spec: ServiceSpec): ServicePlan {
  const user = spec.account ?? 'filing-sync';
  const unit = `${spec.name}.service`;
  const unitPath = posix.join('/etc/systemd/system', unit);
  const readable = [spec.config, ...(spec.licence === undefined ? [] : [spec.licence])];
  return {
    install: [
      { kind: 'run', argv: ['useradd', '--system', '--user-group', '--no-create-home', '--home-dir', spec.stateDir, '--shell', '/usr/sbin/nologin', user], unless: ['id', '-u', user] },
      // The config holds the filing-service token: readable by root and the service's group only.
      // The licence is the one the service will read (--license, the config's, or the default).
      { kind: 'run', argv: ['chown', { prefix: 'root:', primaryGroupOf: user }, ...readable] },
      { kind: 'run', argv: ['chmod', '0640', ...readable] },
      // A state folder outside /var/lib (given, or the config's) gets no StateDirectory=: made here.
      ...(spec.stateDir.startsWith('/var/lib/')
        ? []
        : [{ kind: 'mkdir' as const, path: spec.stateDir }, { kind: 'run' as const, argv: ['chown', '-R', `${user}:`, spec.stateDir] }]),
      { kind: 'write', path: unitPath, content: systemdUnit(spec), mode: 0o644 },
      { kind: 'run', argv: ['systemctl', 'daemon-reload'] },
      { kind: 'run', argv: ['systemctl', 'enable', unit] },
    ],
    uninstall: [
      { kind: 'run', argv: ['systemctl', 'disable', '--now', unit], mayFail: true },
      { kind: 'remove', path: unitPath },
      { kind: 'run', argv: ['systemctl', 'daemon-reload'] },
    ],
    start: [{ kind: 'run', argv: ['systemctl', 'start', unit] }],
    stop: [{ kind: 'run', argv: ['systemctl', 'stop', unit] }],
    status: [{ kind: 'run', argv: ['systemctl', 'status', '--no-pager', unit] }],
    notes: [
      `The service runs as the system user ${user}: give it write access to every target folder (and to network mounts) it files into.`,
      `Uninstalling keeps the user ${user}, the state folder and the logs.`,
    ],
  };
}
