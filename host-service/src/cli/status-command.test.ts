import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, StateStore } from '@filing-sync/core';
import { readConfigKeys } from './config-keys.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
const LICENCE = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'host-service/demo/Sync-license.lic');

/** `filing-sync <args>` in an environment without the service's secrets (no FS_TEST_* variables but those given). */
function cli(args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FS_TEST_') && k !== 'FILING_SYNC_TOKEN'));
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...base, NO_COLOR: '1', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A service config whose secrets come from the service's environment and secret files, none of which this shell has. */
const SERVICE_SECRETS = [
  'source:',
  '  url: https://filing.example.com',
  '  tenant: demo',
  '  token: ${env:FS_TEST_TOKEN}',
  'credentials:',
  '  dropbox: { refreshToken: "${file:/nonexistent/dropbox-refresh-token}" }',
  'log: { level: "${env:FS_TEST_LOG_LEVEL}" }',
].join('\n');

describe('status and license verify need none of the service\'s secrets', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'filing-sync-status-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = (extra: string) => {
    const path = join(dir, 'filing-sync.yaml');
    writeFileSync(path, `${SERVICE_SECRETS}\n${extra}\n`);
    return path;
  };

  it('status reads the configured store although the token variable is unset and the secret file unreadable', () => {
    const path = config('stateDir: ./state');
    StateStore.open(join(dir, 'state')).close();
    const r = cli(['status', '--config', path]);
    expect(r.code, r.err).to.equal(0);
    expect(r.err).to.equal('');
    expect(r.out).to.match(new RegExp(`^State: ${join(dir, 'state')}\\nFilings: 0 `));
    const json = cli(['status', '--json', '--config', path]);
    expect(json.code, json.err).to.equal(0);
    expect((JSON.parse(json.out) as { stateDir: string }).stateDir).to.equal(join(dir, 'state'));
  });

  it('status resolves the reference it uses (stateDir), and still names a config mistake', () => {
    const path = config('stateDir: "${env:FS_TEST_STATE}"');
    const ok = cli(['status', '--config', path], { FS_TEST_STATE: join(dir, 'elsewhere') });
    expect(ok.code, ok.err).to.equal(0);
    expect(ok.out).to.equal(`Nothing recorded yet in ${join(dir, 'elsewhere')}.\n`);
    const unset = cli(['status', '--config', path]);
    expect(unset.code).to.equal(2);
    expect(unset.err).to.include('stateDir: expected environment variable FS_TEST_STATE to be set');
    expect(unset.err).not.to.match(/FS_TEST_TOKEN|source\.token|dropbox/);

    const typo = cli(['status', '--config', config('stateDri: ./state')]);
    expect(typo.code).to.equal(2);
    expect(typo.err).to.include('stateDri: expected no such key');
  });

  it('license verify checks the configured licence and tenant without the token', () => {
    const r = cli(['license', 'verify', '--config', config(`license: ${LICENCE}`)]);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/: valid\n\s+licensee:.*\n\s+tenant:\s+demo \(matches source\.tenant\)/);
  });

  it('readConfigKeys: resolves the used keys (overrides included), drops every other reference unresolved', () => {
    const path = config('stateDir: ./state\nplugins: { load: ["${env:FS_TEST_PLUGIN}", "./mine"] }');
    process.env['FS_TEST_TENANT'] = 'from-env';
    try {
      const c = readConfigKeys(path, [{ key: 'source.tenant', value: '${env:FS_TEST_TENANT}' }], ['stateDir', 'source.tenant']);
      expect(c['stateDir']).to.equal('./state');
      expect(c['source']).to.deep.equal({ url: 'https://filing.example.com', tenant: 'from-env' });
      expect(c['credentials']).to.deep.equal({ dropbox: {} });
      expect(c['log']).to.deep.equal({});
      expect(c['plugins']).to.deep.equal({ load: ['./mine'] });
    } finally {
      delete process.env['FS_TEST_TENANT'];
    }
    expect(() => readConfigKeys(path, [], ['source.token'])).to.throw(ConfigError, /source\.token: expected environment variable FS_TEST_TOKEN to be set/);
  });
});
