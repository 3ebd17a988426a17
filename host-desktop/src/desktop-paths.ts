import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

/**
 * The user's own folder for the desktop program: its config (`desktop.json`), state, logs and
 * token vault. Per user by construction: `%LOCALAPPDATA%\filing-sync` on Windows,
 * `~/Library/Application Support/filing-sync` on macOS, `$XDG_STATE_HOME/filing-sync` (or
 * `~/.local/state/filing-sync`) elsewhere.
 * @public
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return win32.join(env['LOCALAPPDATA'] ?? win32.join(env['USERPROFILE'] ?? homedir(), 'AppData', 'Local'), 'filing-sync');
  const home = env['HOME'] ?? homedir();
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', 'filing-sync');
  return posix.join(env['XDG_STATE_HOME'] || posix.join(home, '.local', 'state'), 'filing-sync');
}

/** The config file in a data folder. @public */
export function configFileIn(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  return (platform === 'win32' ? win32 : posix).join(dataDir, 'desktop.json');
}
