import { win32 } from 'node:path';
import { XMLBuilder } from 'fast-xml-parser';
import { runArguments, type ServiceSpec } from './service-spec.js';
import type { ServicePlan } from './service-plan.js';

/**
 * Quotes one argument for a Windows command line (the rules of CommandLineToArgvW): wrapped in
 * quotes when it has spaces, inner quotes escaped, backslashes before a quote doubled.
 */
export function windowsQuote(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

/** The WinSW executable and its definition, side by side in the install folder. */
export function winswPaths(spec: ServiceSpec): { exe: string; xml: string } {
  return { exe: win32.join(spec.installDir, `${spec.name}-service.exe`), xml: win32.join(spec.installDir, `${spec.name}-service.xml`) };
}

/**
 * The WinSW service definition: start type automatic (delayed, after the network), dependent on
 * the Workstation service (network shares), "restart the service" on the first, second and
 * subsequent failures, 30 s for a graceful stop (WinSW sends Ctrl+C, which the connector handles
 * like SIGINT), and the config and licence from the install folder. The account and its password
 * are not in this file: `sc.exe config` sets them, so no password is ever stored on disk by us.
 * @public
 */
export function winswDefinition(spec: ServiceSpec): string {
  const builder = new XMLBuilder({ format: true, indentBy: '  ', ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true });
  const restart = { '@_action': 'restart', '@_delay': '10 sec' };
  return `${builder.build({
    service: {
      id: spec.name,
      name: spec.name,
      description: spec.description,
      executable: spec.node,
      arguments: runArguments(spec).map(windowsQuote).join(' '),
      workingdirectory: spec.installDir,
      startmode: 'Automatic',
      depend: 'LanmanWorkstation',
      onfailure: [restart, restart, restart],
      resetfailure: '1 day',
      stoptimeout: '30 sec',
      env: { '@_name': 'NODE_ENV', '@_value': 'production' },
      // WinSW keeps what the process prints before its own log files exist (start-up errors).
      logpath: win32.join(spec.stateDir, 'logs'),
      log: { '@_mode': 'roll-by-size', sizeThreshold: 1024, keepFiles: 3 },
    },
  })}`;
}

/**
 * Install, uninstall, start, stop and status on Windows: WinSW hosts node as a service; sc.exe
 * sets the account (with its password from an environment variable) and the recovery actions,
 * so they hold whatever WinSW version is used.
 * @public
 */
export function windowsPlan(spec: ServiceSpec): ServicePlan {
  const { exe, xml } = winswPaths(spec);
  return {
    install: [
      ...(spec.winsw ? [{ kind: 'copy' as const, from: spec.winsw, to: exe }] : []),
      { kind: 'write', path: xml, content: winswDefinition(spec) },
      // State and logs live under ProgramData, which the service account may modify; the install folder stays read-only to it.
      { kind: 'mkdir', path: win32.join(spec.stateDir, 'logs') },
      { kind: 'run', argv: ['icacls.exe', spec.stateDir, '/grant', `${spec.account ?? 'SYSTEM'}:(OI)(CI)M`] },
      { kind: 'run', argv: [exe, 'install'] },
      { kind: 'run', argv: ['sc.exe', 'config', spec.name, 'start=', 'delayed-auto', 'obj=', spec.account ?? 'LocalSystem', ...(spec.account ? ['password=', { secretEnv: spec.passwordEnv }] : [])] },
      { kind: 'run', argv: ['sc.exe', 'failure', spec.name, 'reset=', '86400', 'actions=', 'restart/10000/restart/10000/restart/10000'] },
      // Recovery also when the process exits with an error code, not only when it crashes.
      { kind: 'run', argv: ['sc.exe', 'failureflag', spec.name, '1'] },
    ],
    uninstall: [
      { kind: 'run', argv: ['sc.exe', 'stop', spec.name], mayFail: true },
      { kind: 'run', argv: [exe, 'uninstall'] },
    ],
    start: [{ kind: 'run', argv: ['sc.exe', 'start', spec.name] }],
    stop: [{ kind: 'run', argv: ['sc.exe', 'stop', spec.name] }],
    status: [{ kind: 'run', argv: ['sc.exe', 'query', spec.name] }],
    notes: [
      `${spec.account ?? 'The account'} needs the "Log on as a service" right (Local Security Policy > User Rights Assignment) and write access to every target share.`,
      `Put WinSW (github.com/winsw/winsw, MIT) at ${exe}, or give its path with --winsw.`,
    ],
  };
}
