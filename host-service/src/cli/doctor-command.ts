import { existsSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import {
  ConfigError, FilingSyncError, LicenceError, StoreLock, bootConnector, checkLicence, configBaseDir, loadConfiguration,
  toFilingSyncError, type Connector, type Location, type VerifiedLicence,
} from '@filing-sync/core';
import { serviceHost } from '../composition.js';
import { EXIT, reportFailure } from './report-failure.js';
import { toOverrides, type RunOptions } from './run-options.js';

/** One finding of `doctor`. */
export interface DoctorCheck {
  /** What was checked, e.g. `licence`, `target \\\\fs01\\projects\\...`. */
  check: string;
  status: 'ok' | 'problem';
  detail: string;
  /** What to do about a problem. */
  action?: string;
}

/** What `doctor --json` prints. */
export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

/** Allowed clock difference to the filing service: lease expiry and licence dates depend on it. */
const MAX_SKEW_MS = 30_000;
const TIMEOUT_MS = 15_000;

/**
 * `filing-sync doctor`: the "files are not syncing" checklist as a command. Every check prints
 * ok or problem with what to do; exits 1 when any problem is found. Changes nothing a running
 * connector relies on: the state store is opened read-only when it exists, sinks are probed with
 * `check()` (which writes and removes a probe file) and never `recover()`.
 */
export async function doctorCommand(options: RunOptions & { json?: boolean }): Promise<void> {
  try {
    const report = await diagnose(options);
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
    process.exitCode = report.ok ? EXIT.ok : EXIT.failed;
  } catch (err) {
    process.exitCode = reportFailure(err);
  }
}

/** Runs every check it can; a check that cannot run because an earlier one failed says so. */
export async function diagnose(options: RunOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const add = (c: DoctorCheck) => checks.push(c);
  const host = serviceHost();
  const boot = { ...(options.config ? { configPath: options.config } : {}), overrides: toOverrides(options) };

  // The raw config, for the licence and state folder even when it does not validate.
  let raw: Record<string, unknown> = {};
  try {
    raw = (await loadConfiguration({ ...host, plugins: [] }, boot)).config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
  const tenant = typeof (raw['source'] as { tenant?: unknown } | undefined)?.tenant === 'string' ? ((raw['source'] as { tenant: string }).tenant) : undefined;

  let licence: VerifiedLicence | undefined;
  try {
    licence = checkLicence(
      { configured: typeof raw['license'] === 'string' ? raw['license'] : undefined, baseDir: configBaseDir(options.config), installDir: host.installDir },
      { tenant, variant: host.variant },
    );
    const p = licence.payload;
    add({
      check: 'licence',
      status: 'ok',
      detail: `${licence.path}: ${p.licensee}, tenant "${p.tenant}", ${p.variant} variant, up to ${p.maxLocations} locations, expires ${p.expiresAt} (${licence.daysLeft} day(s) left)${licence.key.development ? '; signed with the published development key (not a release build)' : ''}`,
    });
  } catch (err) {
    if (!(err instanceof LicenceError)) throw err;
    add({ check: 'licence', status: 'problem', detail: `${err.problem}: ${err.message}`, action: err.action });
  }

  const stateDir = resolve(configBaseDir(options.config), typeof raw['stateDir'] === 'string' ? raw['stateDir'] : './var/state');
  const storeExists = existsSync(join(stateDir, 'state.sqlite'));
  let connector: Connector;
  try {
    connector = await bootConnector(host, {
      ...boot,
      skipLicenceCheck: true,
      // Never take the store from a running connector; a store that does not exist yet is created.
      readOnlyStore: storeExists,
      logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
    });
  } catch (err) {
    const e = toFilingSyncError(err);
    add({ check: 'config', status: 'problem', detail: e.message, action: e.action });
    add({ check: 'everything else', status: 'problem', detail: 'not checked: the configuration must be valid first', action: e.action });
    return { ok: false, checks };
  }
  try {
    add({ check: 'config', status: 'ok', detail: `${options.config ? resolve(options.config) : 'no config file'}: valid; state in ${stateDir}` });
    for (const f of connector.plugins.failed) {
      add({ check: `plugin ${f.name}`, status: 'problem', detail: `failed to load: ${f.reason}`, action: `Reinstall or fix the plugin ${f.name}; its targets cannot be written until it loads.` });
    }
    const signal = () => AbortSignal.timeout(TIMEOUT_MS);
    const url = String((connector.config.source as { url?: unknown }).url ?? 'the filing service');

    let locations: Location[] | undefined;
    try {
      locations = await connector.source.locations(signal());
      add({ check: 'filing service', status: 'ok', detail: `${url} answers and accepts the token; tenant "${tenant}" has ${locations.length} location(s)` });
    } catch (err) {
      const e = toFilingSyncError(err);
      add({
        check: 'filing service',
        status: 'problem',
        detail: e.kind === 'auth' ? `${url} refuses the token: ${e.message}` : e.kind === 'transient' ? `${url} cannot be reached: ${e.message}` : e.message,
        action: e.kind === 'auth' ? 'Check source.token (or FILING_SYNC_TOKEN) and source.tenant; ask for a new token if it was revoked.' : e.kind === 'transient' ? 'Check source.url, the network, proxy and firewall from this machine.' : e.action,
      });
    }
    if (licence && locations && locations.length > licence.payload.maxLocations) {
      add({ check: 'licence locations', status: 'problem', detail: `the tenant has ${locations.length} locations; the licence allows ${licence.payload.maxLocations}`, action: 'Ask your vendor for a licence with more locations, or remove locations that are no longer used.' });
    }

    if (locations) {
      add(await leaseCheck(connector, signal()));
      add(await skewCheck(connector, signal()));
      for (const l of locations) {
        if (l.targets.length === 0) add({ check: `location ${l.name}`, status: 'ok', detail: 'has no sync targets (nothing to write)' });
        for (const t of l.targets) add(await targetCheck(connector, l, t, signal()));
      }
    } else {
      add({ check: 'lease, clock and targets', status: 'problem', detail: 'not checked: the filing service must answer first', action: 'Fix the filing service check above.' });
    }
    add(await storeCheck(stateDir, storeExists));
    add(activityCheck(connector));
  } finally {
    await connector.sinks.dispose();
    connector.close();
  }
  return { ok: checks.every((c) => c.status === 'ok'), checks };
}

async function leaseCheck(connector: Connector, signal: AbortSignal): Promise<DoctorCheck> {
  const seen = parseLeaseMeta(connector.store.getMeta('lease'));
  const ours = seen?.state === 'held' ? seen.lease?.holder : undefined;
  if (!connector.source.leaseHolder) {
    return { check: 'tenant lease', status: 'ok', detail: `the source cannot be asked; as this state store last saw it: ${describeSeen(seen)}` };
  }
  try {
    const now = await connector.source.leaseHolder(signal);
    if (!now) return { check: 'tenant lease', status: 'ok', detail: 'asked the filing service: nobody holds it; a connector that starts takes it' };
    const until = now.expiresAt.toISOString();
    if (now.holder === ours) return { check: 'tenant lease', status: 'ok', detail: `asked the filing service: held by this installation's connector ${now.holder} until ${until}` };
    return {
      check: 'tenant lease',
      status: 'problem',
      detail: `asked the filing service: held by ${now.holder} until ${until}, not by this installation; a connector here stands by while it does`,
      action: `If ${now.holder} should not run for this tenant, stop it: this one takes over when its lease lapses. Otherwise leave this one stopped (one connector per tenant).`,
    };
  } catch (err) {
    const e = toFilingSyncError(err);
    return { check: 'tenant lease', status: 'problem', detail: `could not be read: ${e.message}`, action: e.action };
  }
}

async function skewCheck(connector: Connector, signal: AbortSignal): Promise<DoctorCheck> {
  if (!connector.source.serverTime) return { check: 'clock', status: 'ok', detail: 'the source does not tell its time; not compared' };
  try {
    const before = Date.now();
    const server = await connector.source.serverTime(signal);
    const local = (before + Date.now()) / 2;
    // The Date header has whole seconds: half a second of difference is rounding.
    const skew = server.getTime() - local;
    const seconds = Math.round(skew / 1000);
    if (Math.abs(skew) <= MAX_SKEW_MS) return { check: 'clock', status: 'ok', detail: `within ${Math.abs(seconds)} s of the filing service's clock` };
    return {
      check: 'clock',
      status: 'problem',
      detail: `this machine's clock is ${Math.abs(seconds)} s ${skew > 0 ? 'behind' : 'ahead of'} the filing service's`,
      action: 'Synchronise the clock (Windows Time service / NTP): lease expiry and licence dates depend on it.',
    };
  } catch (err) {
    const e = toFilingSyncError(err);
    return { check: 'clock', status: 'problem', detail: `the filing service's time could not be read: ${e.message}`, action: e.action };
  }
}

async function targetCheck(connector: Connector, location: Location, target: string, signal: AbortSignal): Promise<DoctorCheck> {
  const check = `target ${location.name}: ${target}`;
  let opened;
  try {
    opened = await connector.sinks.open(target);
  } catch (err) {
    const e = toFilingSyncError(err);
    const what = e.kind === 'auth' ? 'credentials refused' : e.kind === 'config' ? 'no sink plugin can write it' : 'sink could not be created';
    return { check, status: 'problem', detail: `${what}: ${e.message}`, action: e.action };
  }
  const { sink, factory } = opened;
  try {
    const access = await sink.check(signal);
    if (access === 'writable') return { check, status: 'ok', detail: `${factory.name} sink; ${sink.displayPath} exists (or was created) and a probe file was written and removed` };
    if (access === 'denied') {
      return { check, status: 'problem', detail: `${factory.name} sink; ${sink.displayPath} exists but may not be written: filings are skipped there`, action: 'Grant the account the connector runs under write access to the folder.' };
    }
    return { check, status: 'problem', detail: `${factory.name} sink; ${sink.displayPath} does not exist and cannot be created (drive, share or library missing)`, action: 'Check that the drive, share or library exists and is reachable from this machine under the connector account.' };
  } catch (err) {
    const e = toFilingSyncError(err);
    const what = e.kind === 'auth' ? 'credentials refused' : e.kind === 'transient' ? 'not reachable' : 'probe failed';
    return { check, status: 'problem', detail: `${factory.name} sink; ${what}: ${e.message}`, action: e.action };
  } finally {
    await sink.dispose?.().catch(() => undefined);
  }
}

async function storeCheck(stateDir: string, existed: boolean): Promise<DoctorCheck> {
  const probe = join(stateDir, `.doctor-probe-${process.pid}`);
  try {
    await writeFile(probe, 'probe');
    await unlink(probe);
  } catch (err) {
    return { check: 'state store', status: 'problem', detail: `${stateDir} is not writable: ${(err as Error).message}`, action: 'Give the connector account write access to the state folder, or choose another with --state-dir / stateDir.' };
  }
  let running = '';
  if (existed) {
    try {
      StoreLock.acquire(join(stateDir, 'state.lock')).release();
      running = '; no connector is using it now';
    } catch (err) {
      if (!(err instanceof FilingSyncError)) throw err;
      running = `; in use by a running connector (${err.message.replace(/^[^(]*\(/, '(').replace(/\)[^)]*$/, ')')})`;
    }
  }
  return { check: 'state store', status: 'ok', detail: `${stateDir} is writable${existed ? running : ' (the store was created now)'}` };
}

function activityCheck(connector: Connector): DoctorCheck {
  const { byOutcome: o, filings, unreported } = connector.store.summary();
  const recent = connector.store.recent(200, ['failed', 'skipped', 'pending']).filter((r) => r.outcome !== null || r.lastError).slice(0, 5);
  const counts = `${filings} filing(s) recorded, ${unreported} not yet reported; ${o.pending} target(s) pending, ${o.failed} failed, ${o.skipped} skipped`;
  if (recent.length === 0) return { check: 'filings', status: 'ok', detail: `${counts}; no recent problems` };
  const reasons = recent.map((r) => `${r.outcome ?? 'pending'} ${r.locationName} → ${r.target}: ${r.reason ?? r.lastError ?? ''} (${r.updatedAt})`);
  return {
    check: 'filings',
    status: 'problem',
    detail: `${counts}; most recent problems:\n${reasons.map((r) => `  - ${r}`).join('\n')}`,
    action: 'Fix the causes listed: pending filings are written on a later pass by themselves; failed and skipped ones were reported to the filing service with these reasons.',
  };
}

interface SeenLease {
  state?: string;
  holder?: string;
  expiresAt?: string;
  lease?: { holder: string; expiresAt: string };
  at?: string;
}

function parseLeaseMeta(text: string | undefined): SeenLease | undefined {
  try {
    return text ? (JSON.parse(text) as SeenLease) : undefined;
  } catch {
    return undefined;
  }
}

function describeSeen(l: SeenLease | undefined): string {
  if (!l?.state) return 'never run';
  if (l.state === 'held') return `held by ${l.lease?.holder} until ${l.lease?.expiresAt} (at ${l.at})`;
  if (l.state === 'standing-by') return `standing by: held by ${l.holder} until ${l.expiresAt} (at ${l.at})`;
  return `${l.state} (at ${l.at})`;
}

function render(r: DoctorReport): string {
  const lines = ['filing-sync doctor'];
  for (const c of r.checks) {
    const [first, ...rest] = c.detail.split('\n');
    lines.push(`  ${c.status === 'ok' ? 'ok     ' : 'PROBLEM'}  ${c.check}: ${first}`);
    for (const l of rest) lines.push(`           ${l}`);
    if (c.action && c.status === 'problem') lines.push(`           what to do: ${c.action}`);
  }
  const problems = r.checks.filter((c) => c.status === 'problem').length;
  lines.push(problems ? `${problems} problem(s) found.` : 'No problems found.');
  return `${lines.join('\n')}\n`;
}
