import { bootConnector } from '@filing-sync/core';
import { serviceHost } from '../composition.js';
import { EXIT, reportFailure } from './report-failure.js';
import { toOverrides, type RunOptions } from './run-options.js';

/**
 * `filing-sync run [--once]`: boots the connector and runs it until SIGINT/SIGTERM (or, with
 * `--once`, until the queue is empty). A stop finishes in-flight writes, then releases the lease.
 */
export async function runCommand(options: RunOptions & { once?: boolean }): Promise<void> {
  let connector;
  try {
    connector = await bootConnector(serviceHost(), { ...(options.config ? { configPath: options.config } : {}), overrides: toOverrides(options) });
  } catch (err) {
    process.exitCode = reportFailure(err);
    return;
  }
  const { engine, logger } = connector;
  const onSignal = (signal: string) => {
    logger.info({ signal }, 'stop requested');
    engine.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const summary = await engine.run({ once: !!options.once });
    const o = summary.outcomes;
    logger.info({ ...summary }, 'run finished');
    if (options.once) {
      process.stdout.write(
        `filed ${summary.filings} filing(s): ${o.created} created, ${o.identical} identical, ${o.renamed} renamed, ` +
          `${o.degraded} degraded, ${o.skipped} skipped, ${o.failed} failed; ${summary.pending} pending\n`,
      );
    }
    process.exitCode = options.once && (o.failed > 0 || summary.pending > 0) ? EXIT.failed : EXIT.ok;
  } catch (err) {
    process.exitCode = reportFailure(err);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    connector.close();
  }
}
