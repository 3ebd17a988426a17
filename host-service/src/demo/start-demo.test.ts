import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEMO = fileURLToPath(new URL('./start-demo.js', import.meta.url));

/** Whether a process is alive (a zombie, exited but not yet reaped, counts as gone). */
function alive(pid: number): boolean {
  const r = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' });
  return r.status === 0 && !r.stdout.trim().startsWith('Z');
}

/**
 * The filing-service double started by `pid`, as soon as it runs (once it shows the double's
 * arguments: before, it is the forked copy of the demo, and spawn() has not returned yet).
 */
async function doubleOf(pid: number): Promise<number> {
  for (let i = 0; i < 1000; i++) {
    const found = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout;
    const line = found.split('\n').find((l) => l.includes('filing-service/server.js'));
    if (line) return Number(line.trim().split(/\s+/)[0]);
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`process ${pid} started no filing-service double`);
}

/** Resolves once `pid` has gone, or rejects after `ms`. */
async function gone(pid: number, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (!alive(pid)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`process ${pid} still runs ${ms} ms later`);
}

describe('npm start (the demo): Ctrl-C while it starts', function () {
  this.timeout(60_000);
  let root: string;
  let doublePid: number | undefined;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'filing-sync-demo-stop-'));
  });
  afterEach(() => {
    // Never leave a double behind, whatever the outcome.
    if (doublePid !== undefined && alive(doublePid)) process.kill(doublePid, 'SIGKILL');
    doublePid = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  /** Starts the demo, sends SIGINT at the moment `when` says, and returns its exit and output. */
  async function interrupt(when: (out: () => string, pid: number) => Promise<void>) {
    const demo = spawn(process.execPath, [DEMO], { env: { ...process.env, FILING_SYNC_DEMO_ROOT: root, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    demo.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    demo.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const exited = new Promise<number | string>((r) => demo.once('exit', (code, signal) => r(code ?? signal ?? -1)));
    doublePid = await doubleOf(demo.pid!);
    await when(() => out, demo.pid!);
    demo.kill('SIGINT');
    const code = await exited;
    return { code, out };
  }

  it('before the filing-service double listens: the double is stopped too', async () => {
    const r = await interrupt(async () => {});
    await gone(doublePid!, 5_000);
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.include('Stopped before filing started.');
  });

  it('while the connector boots: the double is stopped too, and nothing is filed', async () => {
    const r = await interrupt(async (out) => {
      while (!/Filing-service double .* at http/.test(out())) await new Promise((res) => setTimeout(res, 5));
    });
    await gone(doublePid!, 5_000);
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.include('Stopped before filing started.');
    expect(r.out).not.to.match(/created|Filing…/);
  });
});
