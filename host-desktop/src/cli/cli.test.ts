import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO } from '../e2e/fixture.test.helpers.js';

const BIN = join(REPO, 'host-desktop/dist/cli/main.js');

interface Started {
  child: ChildProcess;
  url: string;
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
      const m = /filing-sync is running: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve({ child, url: m[1]!, output: () => out, exited });
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
      const status = (await (await fetch(`${p.url}api/status`)).json()) as { state: string; stoppedReason: string };
      expect(status.state).to.equal('stopped');
      expect(status.stoppedReason).to.match(/source/);
      const settings = (await (await fetch(`${p.url}api/settings`)).json()) as { issues: { key: string }[] };
      expect(settings.issues.map((i) => i.key)).to.include('source.url');
      expect(p.output()).to.match(/Open the page to fix the settings/);
    } finally {
      p.child.kill('SIGINT');
      await p.exited;
    }
  });

  it('stops when the user quits from the page', async () => {
    const p = await start(dir);
    const html = await (await fetch(p.url)).text();
    const token = /name="csrf-token" content="([^"]+)"/.exec(html)![1]!;
    const res = await fetch(`${p.url}api/quit`, { method: 'POST', headers: { 'x-csrf-token': token, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).to.equal(200);
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
});
