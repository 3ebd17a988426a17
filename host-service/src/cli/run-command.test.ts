import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
const DOUBLE = join(REPO, 'test/doubles/dist/filing-service/server.js');
const MANIFEST = join(REPO, 'host-service/demo/manifest.json');
const LICENCE = join(REPO, 'host-service/demo/Sync-license.lic');

/** The filing-service double as a program (as `npm start` runs it), serving the demo's 51 filings. */
async function startDouble(root: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [DOUBLE, '--port', '0', '--manifest', MANIFEST, '--target-root', root], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((res, rej) => {
    createInterface({ input: child.stdout! }).once('line', res);
    child.once('exit', (code) => rej(new Error(`the filing-service double exited (${code}) before listening`)));
  });
  return { url: /listening on (\S+)/.exec(line)![1]!, child };
}

/**
 * A proxy in front of the double that holds the connector's first report until `release()`: the
 * test knows the run is mid-drain (one filing written, the rest of the queue untouched) when it
 * sends the signal, however fast or slow this machine is.
 */
async function holdingProxy(target: string): Promise<{ url: string; firstReport: Promise<void>; release(): void; server: Server }> {
  let seen!: () => void;
  const firstReport = new Promise<void>((r) => (seen = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let held = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (req.method === 'POST' && /\/outcomes$/.test(req.url ?? '') && !held) {
        held = true;
        seen();
        await released;
      }
      const out = request(new URL(req.url!, target), { method: req.method, headers: req.headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, firstReport, release, server };
}

/** `filing-sync <args>` with everything it prints, and a wait for a line of its output. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  const listeners = new Set<() => void>();
  for (const s of [child.stdout!, child.stderr!]) {
    s.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      for (const l of listeners) l();
    });
  }
  const exited = new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? -1)));
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((res, rej) => {
      const check = () => {
        if (pattern.test(out)) {
          listeners.delete(check);
          res();
        }
      };
      listeners.add(check);
      check();
      void exited.then(() => rej(new Error(`exited before printing ${pattern}:\n${out}`)));
    });
  return { child, output: () => out, exited, waitFor };
}

describe('filing-sync run, stopped by a signal (the real CLI against the filing-service double)', function () {
  this.timeout(60_000);
  let dir: string;
  let double: { url: string; child: ChildProcess };
  let proxy: Awaited<ReturnType<typeof holdingProxy>> | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'filing-sync-run-'));
    mkdirSync(join(dir, 'var', 'filed'), { recursive: true });
    double = await startDouble(dir);
  });
  afterEach(async () => {
    proxy?.release();
    proxy?.server.closeAllConnections();
    proxy?.server.close();
    proxy = undefined;
    // Wait for the double to go (killed outright if it lingers), so no test leaves one behind.
    const exited = double.child.exitCode !== null || double.child.signalCode !== null ? Promise.resolve() : new Promise((r) => double.child.once('exit', r));
    double.child.kill('SIGTERM');
    const timer = setTimeout(() => double.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  });

  function config(url: string): string {
    const path = join(dir, 'filing-sync.json');
    writeFileSync(
      path,
      JSON.stringify({
        source: { url, tenant: 'demo', token: 'demo-token-not-a-secret' },
        stateDir: join(dir, 'state'),
        license: LICENCE,
        concurrency: { filings: 1 },
        poll: { batchSize: 5 },
        sinks: { filesystem: { allowedRoots: [join(dir, 'var', 'filed')] } },
        log: { level: 'info', files: { enabled: false } },
      }),
    );
    return path;
  }

  async function pendingAtTheDouble(): Promise<number> {
    const { filings } = (await (await fetch(`${double.url}/_double/filings`)).json()) as { filings: { state: string }[] };
    return filings.filter((f) => f.state !== 'done').length;
  }

  it('--once sent SIGINT mid-drain exits 130 and says the queue was not drained', async () => {
    proxy = await holdingProxy(double.url);
    const run = startCli(['run', '--once', '--config', config(proxy.url)]);
    await proxy.firstReport;
    run.child.kill('SIGINT');
    await run.waitFor(/stop requested/);
    proxy.release();
    const code = await run.exited;
    expect(code, run.output()).to.equal(130);
    expect(run.output()).to.match(/^filed 1 filing\(s\): .*; 0 pending$/m);
    expect(run.output()).to.match(/^stopped by SIGINT before the queue was drained: filings not filed yet stay queued at the filing service; run again to file them \(exit code 130\)$/m);
    // What the exit code stands for: the queue still holds filings.
    expect(await pendingAtTheDouble()).to.equal(50);
  });

  it('--once sent SIGTERM mid-drain exits 143', async () => {
    proxy = await holdingProxy(double.url);
    const run = startCli(['run', '--once', '--config', config(proxy.url)]);
    await proxy.firstReport;
    run.child.kill('SIGTERM');
    await run.waitFor(/stop requested/);
    proxy.release();
    expect(await run.exited, run.output()).to.equal(143);
    expect(run.output()).to.include('stopped by SIGTERM before the queue was drained');
  });

  it('--once that drains the queue exits 0 without a stop line; a run without --once stopped by a signal exits 0 (the normal service stop)', async () => {
    const once = startCli(['run', '--once', '--config', config(double.url)]);
    expect(await once.exited, once.output()).to.equal(0);
    expect(once.output()).to.match(/^filed 51 filing\(s\): /m);
    expect(once.output()).not.to.include('stopped by');
    expect(await pendingAtTheDouble()).to.equal(0);

    const service = startCli(['run', '--config', config(double.url)]);
    await service.waitFor(/tenant lease acquired/);
    service.child.kill('SIGTERM');
    expect(await service.exited, service.output()).to.equal(0);
    expect(service.output()).not.to.include('stopped by');
  });
});
