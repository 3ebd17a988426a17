import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The user's own folder for the desktop program: its config (`desktop.json`), state, logs and
 * token vault. Per user by construction: `%LOCALAPPDATA%\filing-sync` on Windows,
 * `~/Library/Application Support/filing-sync` on macOS, `$XDG_STATE_HOME/filing-sync` (or
 * `~/.local/state/filing-sync`) elsewhere.
 * @public
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'filing-sync');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'filing-sync');
  return join(env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state'), 'filing-sync');
}

/** The config file in a data folder. @public */
export function configFileIn(dataDir: string): string {
  return join(dataDir, 'desktop.json');
}
