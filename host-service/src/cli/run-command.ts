import { constants } from 'node:os';
import { ConfigError, LicenceError, bootConnector, checkLicence, type Connector, type EngineObserver } from '@filing-sync/core';
import { serviceHost } from '../composition.js';
import { ConnectorMetrics } from '../metrics/connector-metrics.js';
import { startMetricsServer, type MetricsServer } from '../metrics/metrics-server.js';
import { DrainProgress } from './drain-progress.js';
import { EXIT, reportFailure } from './report-failure.js';
import { toOverrides, type RunOptions } from './run-options.js';

/** Options only `run` has. */
export interface RunOnlyOptions {
  once?: boolean;
  /** Serve /healthz and /metrics on 127.0.0.1 at this port (0: any free port). */
  metricsPort?: number;
  /** Seconds between progress summary lines in the log. */
  progressInterval?: number;
}

/**
 * The exit code of a `run --once` that a signal stopped before the queue was drained: 128 + the
 * signal's number, the shell's convention (130 for SIGINT, 143 for SIGTERM), so a script or
 * `timeout` sees that the queue may still hold filings.
 */
export function stoppedExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * `filing-sync run [--once]`: verifies the licence and boots the connector, then runs it until
 * SIGINT/SIGTERM (or, with `--once`, until the queue is empty). A stop finishes in-flight writes,
 * then releases the lease. Progress: a bar on a terminal with `--once`, summary lines in the log
 * otherwise; `--metrics-port` adds the health and metrics endpoint. Exit code 0 after a stop by
 * a signal (the service's normal stop), except with `--once`: then {@link stoppedExitCode}, as
 * filings may be left in the queue that were never polled or never started.
 */
export async function runCommand(options: RunOptions & RunOnlyOptions): Promise<void> {
  // Observers are known only once the connector is booted (they need its logger and sinks).
  const observers: EngineObserver[] = [];
  const metrics = options.metricsPort === undefined ? undefined : new ConnectorMetrics();
  if (metrics) observers.push(metrics.observer());
  let connector;
  try {
    connector = await bootConnector(serviceHost(), {
      ...(options.config ? { configPath: options.config } : {}),
      overrides: toOverrides(options),
      observer: fanOut(observers),
    });
  } catch (err) {
    process.exitCode = reportFailure(err);
    return;
  }
  const { engine, logger } = connector;
  let server: MetricsServer | undefined;
  const progress = new DrainProgress({
    tty: options.once && process.stderr.isTTY ? process.stderr : undefined,
    logger,
    intervalMs: (options.progressInterval ?? 30) * 1000,
  });
  observers.push(progress.observer());
  // Remembered because the summary cannot tell: filings claimed but not started, and those never
  // polled, count neither as failed nor as pending.
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stoppedBy = signal;
    logger.info({ signal }, 'stop requested');
    engine.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let licenceRefused: LicenceError | undefined;
  const licenceTimer = watchLicence(connector, (err) => {
    licenceRefused = err;
    logger.error({ problem: err.problem, action: err.action }, err.message);
    engine.stop();
  });
  try {
    if (metrics) {
      metrics.attach(connector);
      try {
        server = await startMetricsServer(options.metricsPort!, metrics);
      } catch (err) {
        throw new ConfigError([{ key: '--metrics-port', expected: `a free port on 127.0.0.1 (${(err as Error).message})`, found: String(options.metricsPort) }]);
      }
      logger.info({ url: server.url }, `health and metrics at ${server.url}/healthz and ${server.url}/metrics`);
    }
    progress.start();
    const summary = await engine.run({ once: !!options.once });
    progress.stop();
    const o = summary.outcomes;
    logger.info({ ...summary, ...(stoppedBy ? { stoppedBy } : {}) }, 'run finished');
    if (options.once) {
      process.stdout.write(
        `filed ${summary.filings} filing(s): ${o.created} created, ${o.identical} identical, ${o.renamed} renamed, ` +
          `${o.degraded} degraded, ${o.skipped} skipped, ${o.failed} failed; ${summary.pending} pending\n`,
      );
      if (stoppedBy) {
        process.stdout.write(
          `stopped by ${stoppedBy} before the queue was drained: filings not filed yet stay queued at the filing service; ` +
            `run again to file them (exit code ${stoppedExitCode(stoppedBy)})\n`,
        );
      }
    }
    process.exitCode = !options.once ? EXIT.ok : stoppedBy ? stoppedExitCode(stoppedBy) : o.failed > 0 || summary.pending > 0 ? EXIT.failed : EXIT.ok;
    if (licenceRefused) process.exitCode = reportFailure(licenceRefused);
  } catch (err) {
    progress.stop();
    process.exitCode = reportFailure(err);
  } finally {
    clearTimeout(licenceTimer.current);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await server?.close();
    connector.close();
  }
}

/** Longest wait between two checks of the licence file (a renewal put in place is read then). */
const LICENCE_RECHECK_MS = 24 * 3_600_000;

/**
 * Checks the licence again when it expires (and at least daily, re-reading the file so a renewed
 * one put in place counts): a licence that lapses while the connector runs stops syncing just as
 * one that had lapsed at start would. Calls `refused` once; returns the pending timer.
 */
function watchLicence(connector: Connector, refused: (err: LicenceError) => void): { current: NodeJS.Timeout | undefined } {
  const timer: { current: NodeJS.Timeout | undefined } = { current: undefined };
  const licence = connector.licence;
  if (!licence) return timer;
  const tenant = (connector.config.source as { tenant?: string }).tenant;
  const schedule = (expiresAt: string) => {
    const wait = Math.min(Math.max(0, Date.parse(expiresAt) - Date.now()) + 1_000, LICENCE_RECHECK_MS);
    timer.current = setTimeout(() => {
      try {
        const again = checkLicence({ configured: licence.path, baseDir: process.cwd() }, { tenant, variant: serviceHost().variant });
        schedule(again.payload.expiresAt);
      } catch (err) {
        if (err instanceof LicenceError) refused(err);
        else schedule(expiresAt);
      }
    }, wait);
    timer.current.unref();
  };
  schedule(licence.payload.expiresAt);
  return timer;
}

/** One observer calling each of a list that may still grow; a throwing observer is ignored. */
function fanOut(list: readonly EngineObserver[]): EngineObserver {
  const each = <K extends keyof EngineObserver>(k: K) =>
    ((...args: unknown[]) => {
      for (const o of list) {
        try {
          (o[k] as ((...a: unknown[]) => void) | undefined)?.(...args);
        } catch {
          /* observers must not disturb the engine */
        }
      }
    }) as NonNullable<EngineObserver[K]>;
  return { lease: each('lease'), polled: each('polled'), outcome: each('outcome'), pending: each('pending'), reported: each('reported'), retry: each('retry') };
}
