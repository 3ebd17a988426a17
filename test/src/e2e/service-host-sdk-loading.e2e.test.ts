import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { startFilingServiceDouble, type FilingServiceDouble } from '@filing-sync/doubles';
import { devLicence, listFiles, message, runHost, tempDir } from './support.js';

/** The cloud SDKs behind the service host's cloud sinks and credential providers. */
const CLOUD_SDKS = ['box-node-sdk', 'dropbox', '@microsoft/microsoft-graph-client', '@azure/msal-node'];

/** The packages under `node_modules` that the recorded module URLs belong to. */
function packagesOf(urls: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const url of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) names.add(m[1]!);
  }
  return names;
}

/** Resolves a cloud plugin's module as the service host (which depends on every one) does. */
const fromHost = createRequire(createRequire(import.meta.url).resolve('@filing-sync/host-service/package.json'));
const hostModule = (specifier: string): string => pathToFileURL(fromHost.resolve(specifier)).href;

/** The packages a fresh Node process loads to import `modules` (with the module recorder). */
async function packagesLoadedBy(modules: readonly string[]): Promise<Set<string>> {
  const dir = await tempDir();
  const log = join(dir, 'modules.txt');
  await writeFile(log, '');
  const script = modules.map((m) => `await import(${JSON.stringify(m)});`).join('\n');
  execFileSync(process.execPath, ['--import', pathToFileURL(join(import.meta.dirname, 'module-recorder.js')).href, '--input-type=module', '-e', script], {
    env: { ...process.env, NODE_OPTIONS: '', FILING_SYNC_TEST_MODULE_LOG: log },
    cwd: import.meta.dirname,
  });
  return packagesOf((await readFile(log, 'utf8')).split('\n').filter(Boolean));
}

describe('service host: cloud SDKs are loaded only for cloud targets', function () {
  this.timeout(120_000);
  let filing: FilingServiceDouble | undefined;

  afterEach(async () => {
    await filing?.close();
    filing = undefined;
  });

  it('files to a folder without loading any cloud SDK, although every cloud plugin and credential provider is offered and three are configured', async () => {
    const dir = await tempDir();
    const target = join(dir, 'Projects', 'Surrey Court');
    const eml = join(dir, 'm1.eml');
    await writeFile(eml, message(1, 'Survey drawings'));
    filing = await startFilingServiceDouble({
      manifest: { tenant: 'lazy', token: 'lazy-token', locations: [{ id: 'L1', name: 'Surrey Court', format: 'eml', targets: [target] }], filings: [{ id: 'F1', location: 'L1', eml }] },
    });
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({
      source: { url: filing.url, tenant: 'lazy', token: 'lazy-token' },
      stateDir: join(dir, 'state'),
      license: await devLicence(dir, 'lazy'),
      sinks: { filesystem: { allowedRoots: [dir] } },
      // Configured but not used by any target: their providers are made, and must not load an SDK.
      credentials: {
        'microsoft-graph': { tenantId: 'contoso.onmicrosoft.com', clientId: '00000000-0000-0000-0000-000000000001', clientSecret: 'not-used' },
        dropbox: { appKey: 'not-used', refreshToken: 'not-used' },
        box: { method: 'ccg', clientId: 'not-used', clientSecret: 'not-used', enterpriseId: '1' },
      },
      log: { level: 'warn', files: { enabled: false } },
    }));
    const moduleLog = join(dir, 'modules.txt');
    await writeFile(moduleLog, '');
    const recorder = pathToFileURL(join(import.meta.dirname, 'module-recorder.js')).href;

    const { code, output } = await runHost(['run', '--once', '--config', config], {
      NODE_OPTIONS: `--import=${recorder}`,
      FILING_SYNC_TEST_MODULE_LOG: moduleLog,
    });

    expect(code, output).to.equal(0);
    expect(await listFiles(target)).to.deep.equal(['20261128T144713Z Survey drawings.eml']);
    const urls = (await readFile(moduleLog, 'utf8')).split('\n').filter(Boolean);
    // The recorder saw the cloud plugins load (so it would see their SDKs too) ...
    for (const plugin of ['sink-box', 'sink-dropbox', 'sink-onedrive', 'sink-egnyte', 'sink-projectwise']) {
      expect(urls.some((u) => u.includes(`/${plugin}/dist/index.js`)), `${plugin} loaded`).to.equal(true);
    }
    expect(packagesOf(urls).size, 'packages recorded').to.be.greaterThan(3);
    // ... and none of their SDKs.
    expect([...packagesOf(urls)].filter((p) => CLOUD_SDKS.includes(p))).to.deep.equal([]);
  });

  it('each cloud plugin\'s entry (its register, factories and credential factories) loads no package beyond core\'s', async () => {
    const core = await packagesLoadedBy(['reflect-metadata', '@filing-sync/core']);
    for (const plugin of ['sink-box', 'sink-dropbox', 'sink-onedrive', 'sink-egnyte', 'sink-projectwise']) {
      const loaded = await packagesLoadedBy(['reflect-metadata', '@filing-sync/core', hostModule(`@filing-sync/${plugin}`)]);
      expect([...loaded].filter((p) => !core.has(p)), plugin).to.deep.equal([]);
    }
    // The check sees an SDK when one is loaded.
    expect([...(await packagesLoadedBy([hostModule('@filing-sync/sink-box/sdk')]))]).to.include('box-node-sdk');
  });
});
