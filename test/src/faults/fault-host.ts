/**
 * The connector process the fault suite starts, kills and restarts: the service host's composition
 * (filing service, EML, MSG, filesystem) plus the OneDrive/SharePoint sink with app-only
 * `microsoft-graph` credentials, so one process writes to a local folder and to the Graph double.
 *
 * `node fault-host.js <config.json> [--once]`. Stops on SIGTERM/SIGINT like `filing-sync run`.
 * Prints one line `fault-host summary {...}` at the end (the drain's counts and the process's
 * peak RSS in KiB) and exits 0 when nothing is left pending, 1 otherwise, 2 when it could not boot.
 * Trusts the doubles' certificate through `NODE_EXTRA_CA_CERTS`.
 */
import 'reflect-metadata';
import { bootConnector } from '@filing-sync/core';
import { microsoftGraphCredentials } from '@filing-sync/sink-onedrive';

const [configPath, ...flags] = process.argv.slice(2);
if (!configPath) {
  process.stderr.write('usage: fault-host.js <config.json> [--once]\n');
  process.exit(2);
}
const once = flags.includes('--once');

let connector;
try {
  connector = await bootConnector(
    {
      variant: 'service',
      plugins: ['@filing-sync/source-filing-service', '@filing-sync/formatter-eml', '@filing-sync/formatter-msg', '@filing-sync/sink-filesystem', '@filing-sync/sink-onedrive'],
      credentialFactories: [microsoftGraphCredentials],
      resolveFrom: import.meta.url,
    },
    { configPath },
  );
} catch (err) {
  process.stderr.write(`fault-host could not boot: ${(err as Error).message}\n`);
  process.exit(2);
}
const { engine } = connector;
const stop = () => engine.stop();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
try {
  const summary = await engine.run({ once });
  process.stdout.write(`fault-host summary ${JSON.stringify({ ...summary, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
  process.exitCode = summary.pending > 0 || summary.outcomes.failed > 0 ? 1 : 0;
} catch (err) {
  process.stderr.write(`fault-host run failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  connector.close();
}
