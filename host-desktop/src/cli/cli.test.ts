import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { LICENCE_FILE_NAME, TRUSTED_LICENCE_KEYS, signLicence } from '@filing-sync/core';
import { startFilingServiceDouble, trustTestCertificate } from '@filing-sync/doubles';
import { enterPage, REPO, type PageSession } from '../e2e/fixture.test.helpers.js';

const BIN = join(REPO, 'host-desktop/dist/cli/main.js');

interface Started {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** The address with this run's entry key, as the program prints it. */
  entryUrl: string;
  output: () => string;
  exited: Promise<number | string>;
}

/** Starts `filing-sync-desktop` on a free port without opening a browser; resolves once it serves. */
function start(dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, ['--import=reflect-metadata', BIN, '--data-dir', dataDir, '--port', '0', '--no-open'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  const exited = new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    const on = (c: Buffer) => {
      out += c.toString('utf8');
      const m = /filing-sync is running: ((http:\/\/127\.0\.0\.1:\d+\/)\S*)/.exec(out);
      if (m) resolve({ child, url: m[2]!, entryUrl: m[1]!, output: () => out, exited });
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    void exited.then(() => reject(new Error(`exited before serving:\n${out}`)));
  });
}

describe('filing-sync-desktop (the bin)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-desktop-cli-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('serves the page on the loopback address even before it is configured, and says what to fix', async () => {
    const p = await start(dir);
    try {
      const session = await enterPage(p);
      const status = (await session.api<{ state: string; stoppedReason: string }>('GET', '/api/status')).body;
      expect(status.state).to.equal('stopped');
      expect(status.stoppedReason).to.match(/source/);
      const settings = (await session.api<{ issues: { key: string }[] }>('GET', '/api/settings')).body;
      expect(settings.issues.map((i) => i.key)).to.include('source.url');
      expect(p.output()).to.match(/Open the page to fix the settings/);
    } finally {
      p.child.kill('SIGINT');
      await p.exited;
    }
  });

  it('stops when the user quits from the page', async () => {
    const p = await start(dir);
    const session = await enterPage(p);
    expect((await session.api('POST', '/api/quit')).status).to.equal(200);
    expect(await p.exited).to.equal(0);
    expect(p.output()).to.match(/stopped\n$/);
  });

  it('refuses to start a second time on a port in use, before touching the state, and says why', async () => {
    const first = await start(dir);
    try {
      const port = new URL(first.url).port;
      const second = spawn(process.execPath, ['--import=reflect-metadata', BIN, '--data-dir', join(dir, 'other'), '--port', port, '--no-open'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      second.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      second.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise<number | null>((r) => second.once('exit', (c) => r(c)));
      expect(code).to.equal(1);
      expect(out).to.contain(`Port ${port} on 127.0.0.1 is in use: is filing-sync already running?`);
      expect(existsSync(join(dir, 'other', 'state')), 'a state store was opened').to.equal(false);
    } finally {
      first.child.kill('SIGINT');
      await first.exited;
    }
  });

  it('stops on Ctrl-C (SIGINT)', async () => {
    const p = await start(dir);
    p.child.kill('SIGINT');
    expect(await p.exited).to.equal(0);
    expect(p.output()).to.match(/stopping: finishing what is being written/);
    await fetch(p.url).then(() => expect.fail('still serving after the stop'), () => {});
  });

  it('quit during a settings save: the restart boots nothing, the lease is given back and the program exits', async () => {
    await trustTestCertificate();
    const dataDir = join(dir, 'data');
    const targets = join(dir, 'targets');
    await mkdir(dataDir, { recursive: true });
    await mkdir(targets, { recursive: true });
    const filing = await startFilingServiceDouble({
      manifest: { tenant: 'acme-desktop', token: 'tok', locations: [{ id: 'L1', name: 'S', format: 'eml', targets: [join(targets, 's')] }], filings: [] },
    });
    try {
      const keyId = TRUSTED_LICENCE_KEYS.find((k) => k.development)!.keyId;
      const key = createPrivateKey(await readFile(join(REPO, 'tools/licence-issuer/dev-keys/development-2026.private.pem'), 'utf8'));
      const payload = { version: 1 as const, licensee: 'CLI tests', tenant: 'acme-desktop', variant: 'desktop' as const, maxLocations: 100, expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(), issuedAt: new Date().toISOString(), keyId };
      await writeFile(join(dataDir, LICENCE_FILE_NAME), signLicence(payload, key));
      const config = { source: { url: filing.url, tenant: 'acme-desktop', token: 'tok' }, stateDir: './state', poll: { intervalSeconds: 0.5 }, lease: { ttlSeconds: 30 }, sinks: { filesystem: { allowedRoots: [targets] } }, log: { level: 'warn', files: { enabled: false } } };
      await writeFile(join(dataDir, 'desktop.json'), JSON.stringify(config));
      const p = await start(dataDir);
      try {
        const session: PageSession = await enterPage(p);
        for (let i = 0; i < 100 && !filing.lease(); i++) await sleep(100);
        expect(filing.lease(), 'the connector never took the lease').not.to.equal(undefined);
        // The user saves settings (the connector restarts) and presses Quit right after.
        const save = session.api('PUT', '/api/settings', { values: { 'concurrency.filings': 3 } }).catch(() => undefined);
        await sleep(30);
        expect((await session.api('POST', '/api/quit')).status).to.equal(200);
        await save;
        const code = await Promise.race([p.exited, sleep(15_000).then(() => 'still running after 15 s')]);
        expect(code, p.output()).to.equal(0);
        expect(filing.lease(), 'the lease is still held after the program exited').to.equal(undefined);
      } finally {
        p.child.kill('SIGKILL');
      }
    } finally {
      await filing.close();
    }
  });
});
