/**
 * A real WebDAV server for tests: Apache httpd with mod_dav and mod_dav_fs, started on loopback
 * with its own configuration in a temporary folder, and stopped after the tests.
 * @packageDocumentation
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A running Apache WebDAV server. */
export interface ApacheWebDav {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** The folder on disk that the server's URL root maps to. */
  root: string;
  username: string;
  password: string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

const APACHE_BIN = process.env.APACHE2_BIN ?? '/usr/sbin/apache2';
const MODULES = process.env.APACHE2_MODULES ?? '/usr/lib/apache2/modules';

/** Files the server keeps for itself in the folders it serves; never part of a listing. */
export function isServerFile(name: string): boolean {
  return name === '.DAV' || name === '.davaccess' || name.startsWith('.davfs.tmp');
}

/**
 * Starts Apache with mod_dav on a free loopback port. Under root, httpd runs as `www-data`
 * (it refuses to serve as root), which also makes file permissions meaningful.
 * Rejects, naming the package to install, when Apache is not there.
 */
export async function startApacheWebDav(): Promise<ApacheWebDav> {
  if (!existsSync(APACHE_BIN) || !existsSync(path.join(MODULES, 'mod_dav_fs.so'))) {
    throw new Error(`Apache httpd with mod_dav is needed at ${APACHE_BIN} (Debian: apt-get install apache2).`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'filing-sync-dav-'));
  const root = path.join(dir, 'dav');
  const run = path.join(dir, 'run');
  await mkdir(root);
  await mkdir(run);
  const username = 'filing';
  const password = `pw-${process.pid}-${Date.now()}`;
  await writeFile(path.join(run, 'htpasswd'), `${username}:{SHA}${createHash('sha1').update(password).digest('base64')}\n`);
  const port = await freePort();
  await writeFile(path.join(run, 'httpd.conf'), config({ root, run, port }));
  const owner = process.getuid?.() === 0 ? await userIds('www-data') : undefined;
  if (owner) for (const p of [dir, root, run, path.join(run, 'htpasswd')]) await chown(p, owner.uid, owner.gid);

  const child = spawn(APACHE_BIN, ['-f', path.join(run, 'httpd.conf'), '-DFOREGROUND'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // If the test process ends without stop() (a crash, Ctrl-C), do not leave httpd behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForPort(port, child);
  } catch (err) {
    child.kill('SIGKILL');
    const log = await readFile(path.join(run, 'error.log'), 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`Apache did not start: ${(err as Error).message}\n${stderr}\n${log}`);
  }
  return {
    origin,
    root,
    username,
    password,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Lists a folder on disk without the server's own files; `[]` when it does not exist. */
export async function listServed(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).filter((n) => !isServerFile(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Makes a served folder read-only for WebDAV clients, as an administrator would with an access
 * rule: every method that writes is refused with 403.
 */
export async function denyWrites(folder: string): Promise<void> {
  await writeFile(path.join(folder, '.davaccess'), '<LimitExcept GET HEAD OPTIONS PROPFIND>\n  Require all denied\n</LimitExcept>\n');
}

function config(o: { root: string; run: string; port: number }): string {
  const modules = ['mpm_event', 'authn_core', 'authn_file', 'authz_core', 'authz_user', 'auth_basic', 'dav', 'dav_fs'];
  return [
    `ServerRoot ${path.dirname(MODULES)}`,
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${o.port}`,
    `PidFile ${o.run}/httpd.pid`,
    `DefaultRuntimeDir ${o.run}`,
    `Mutex file:${o.run} default`,
    `ErrorLog ${o.run}/error.log`,
    'LogLevel warn',
    ...modules.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
    'StartServers 1',
    'ThreadsPerChild 16',
    `DavLockDB ${o.run}/davlock`,
    'AccessFileName .davaccess',
    `DocumentRoot ${o.root}`,
    `<Directory ${o.root}>`,
    '  Dav On',
    '  AllowOverride AuthConfig Limit',
    '  AuthType Basic',
    '  AuthName filing-sync-test',
    '  AuthBasicProvider file',
    `  AuthUserFile ${o.run}/htpasswd`,
    '  Require valid-user',
    '</Directory>',
    '<Files ".davaccess">',
    '  Require all denied',
    '</Files>',
    '',
  ].join('\n');
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`user ${name} is needed to run Apache as non-root`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`httpd exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error('httpd did not listen within 15 s');
}
