import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import open from 'open';
import { SignIns } from '../auth/sign-ins.js';
import { userTokenStore } from '../auth/user-token-store.js';
import { desktopHost } from '../composition.js';
import { DesktopApp } from '../desktop-app.js';
import { configFileIn, defaultDataDir } from '../desktop-paths.js';
import { DEFAULT_UI_PORT, startUiServer } from '../ui/ui-server.js';

/** Options of {@link runDesktop}. */
export interface RunDesktopOptions {
  dataDir?: string;
  configPath?: string;
  port?: number;
  openBrowser?: boolean;
}

/**
 * `filing-sync-desktop`: boots the connector with the desktop host, serves the web UI on
 * 127.0.0.1, opens the browser, and runs until the user quits from the page or presses Ctrl-C
 * (SIGINT/SIGTERM): then in-flight writes finish, the lease is released and the page server stops.
 * @public
 */
export async function runDesktop(options: RunDesktopOptions = {}): Promise<void> {
  const dataDir = resolve(options.dataDir ?? defaultDataDir());
  const configPath = resolve(options.configPath ?? configFileIn(dataDir));
  if (!existsSync(configPath)) await writeStarterConfig(configPath);
  const signIns = new SignIns(userTokenStore(dataDir));
  const app = new DesktopApp({ host: desktopHost({ signIns }), signIns, configPath });

  // Quit (from the page, or Ctrl-C) closes the app at once, so that no connector boots after it,
  // not even one a settings save asked for a moment before.
  let stopping: Promise<void> | undefined;
  let quit: () => void = () => {};
  const quitting = new Promise<void>((r) => (quit = () => {
    stopping ??= app.close();
    r();
  }));
  const port = options.port ?? DEFAULT_UI_PORT;
  // The page first: when its port is taken (most likely by a filing-sync already running), stop
  // before the connector touches the state store or the tenant lease.
  let ui;
  try {
    ui = await startUiServer({
      app,
      signIns,
      configPath,
      port,
      openFolder: async (path) => {
        await open(path);
      },
      onQuit: () => quit(),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${port} on 127.0.0.1 is in use: is filing-sync already running? Open its page from the window or shortcut that started it, or start with --port.`);
    }
    throw err;
  }
  process.once('SIGINT', () => quit());
  process.once('SIGTERM', () => quit());
  await app.start();
  // The address with this run's entry key: only who sees this window (or the browser it opens) gets in.
  process.stdout.write(`filing-sync is running: ${ui.entryUrl}  (quit from the page, or press Ctrl-C)\n`);
  const status = await app.status();
  if (status.state === 'stopped') process.stdout.write(`The connector is not running: ${status.stoppedReason ?? ''}\n${status.action ?? ''}\nOpen the page to fix the settings.\n`);
  if (options.openBrowser !== false) {
    await open(ui.entryUrl).catch((err: Error) => process.stdout.write(`Could not open the browser (${err.message}); open the address above yourself.\n`));
  }

  await quitting;
  process.stdout.write('stopping: finishing what is being written…\n');
  await stopping;
  await ui.close();
  process.stdout.write('stopped\n');
}

/** The first run's config: empty settings for the page to fill in, state beside the config. */
async function writeStarterConfig(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const starter = { source: {}, stateDir: './state' };
  await writeFile(path, `${JSON.stringify(starter, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}
