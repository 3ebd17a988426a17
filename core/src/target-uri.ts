/**
 * Target URIs of a location: `file:` URLs, plain local and UNC paths, and service URIs.
 * @packageDocumentation
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WINDOWS_PATH_RULES } from './contracts/path-rules.js';
import { ConfigError } from './errors.js';

/** Platforms whose native path syntax {@link fileUrlToPath} can produce. */
export type PathPlatform = 'win32' | 'posix';

const EXPECTED =
  'an absolute path (/srv/email, D:\\Projects\\email, \\\\server\\share\\email), a file: URL, ' +
  'or a service URI such as onedrive:/Projects/email, with no ".." segments';

function refuse(key: string, target: string, why: string): ConfigError {
  return new ConfigError([{ key, expected: `${EXPECTED} (${why})`, found: JSON.stringify(target) }]);
}

/** Segments of a path or URL path, split on both separators. */
function hasDotDot(segments: readonly string[]): boolean {
  return segments.some((s) => s === '..');
}

/**
 * Why a folder name of a Windows path (below the drive or share) would not be the folder people see, or
 * `undefined`. Node writes through `\\?\` paths, which skip Windows' own clean-up: a folder named `Acme Inc.` or
 * `CON` would be made literally, and Explorer and Outlook would read the path as another folder; a `:` names a
 * stream of a file, not a folder.
 */
function windowsSegmentProblem(segments: readonly string[]): string | undefined {
  for (const s of segments) {
    if (s === '' || s === '.') continue;
    if (/[. ]$/.test(s)) return `the folder name "${s}" ends in a dot or a space, which Windows programs drop`;
    if (s.includes(':')) return `the folder name "${s}" has a ":" (an alternate data stream)`;
    const stem = s.split('.')[0]!.trimEnd().toUpperCase();
    if (WINDOWS_PATH_RULES.reservedNames.includes(stem)) return `the folder name "${s}" is a Windows device name`;
  }
  return undefined;
}

/**
 * Reads a target as a location lists it and returns its URL: plain absolute paths (POSIX
 * `/srv/email`, Windows `D:\Projects\email` or `D:/Projects/email`, UNC `\\fs01\projects\email`,
 * long-path forms `\\?\D:\…` and `\\?\UNC\server\share\…`) become `file:` URLs; `file:` URLs and
 * other schemes (`onedrive:/…`, `sharepoint://host/…`, `dropbox:/…` …) are returned as URLs.
 *
 * Throws {@link ConfigError} for `key` (default `target`) naming the target and what was expected
 * when it is empty, relative (`email`, `D:email`, `\email`), a UNC path without a share, a device
 * path, not a URL, or holds a `..` segment (also percent-encoded) or an encoded separator in a `file:` URL.
 * @public
 */
export function parseTargetUri(target: string, key = 'target'): URL {
  const text = target.trim();
  if (text === '') throw refuse(key, target, 'it is empty');
  // A drive letter looks like a one-letter scheme; real schemes have at least two characters.
  if (/^[a-z][a-z0-9+.-]+:/i.test(text)) return parseUrl(text, key, target);
  return pathToUrl(text, key, target);
}

function parseUrl(text: string, key: string, target: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse(key, target, 'it is not a valid URL');
  }
  // URL parsing resolves ".." silently, so the raw text is checked, segment by decoded segment.
  const rawPath = text.replace(/^[a-z][a-z0-9+.-]*:(\/\/[^/?#]*)?/i, '').replace(/[?#].*$/, '');
  const segments = rawPath.split(/[\\/]/).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw refuse(key, target, `it has a malformed percent-escape in "${s}"`);
    }
  });
  if (hasDotDot(segments)) throw refuse(key, target, 'it has a ".." segment');
  if (url.protocol === 'file:') {
    if (segments.some((s) => /[\\/]/.test(s))) throw refuse(key, target, 'it has an encoded separator');
    if (url.pathname === '' || url.pathname === '/') throw refuse(key, target, 'it names no folder');
    // A drive letter or a UNC host makes it a Windows path.
    const drive = /^[a-z]:$/i.test(segments.find((x) => x !== '') ?? '');
    if (drive || url.host !== '') {
      // The first segment is the drive (D:) or the share.
      const problem = windowsSegmentProblem(segments.filter((x) => x !== '').slice(1));
      if (problem) throw refuse(key, target, problem);
    }
  }
  return url;
}

function pathToUrl(raw: string, key: string, target: string): URL {
  let text = raw;
  if (/^\\\\\?\\UNC\\/i.test(text)) text = `\\\\${text.slice(8)}`;
  else if (/^\\\\\?\\[a-z]:/i.test(text)) text = text.slice(4);
  if (/^[\\/]{2}[.?][\\/]/.test(text)) throw refuse(key, target, 'device paths are not folders');
  const windowsDrive = /^[a-z]:[\\/]/i.test(text);
  const unc = /^[\\/]{2}[^\\/]/.test(text);
  if (/^[a-z]:/i.test(text) && !windowsDrive) throw refuse(key, target, 'a drive-relative path is relative to a changing folder');
  if (windowsDrive || unc) {
    if (unc && !/^[\\/]{2}[^\\/]+[\\/]+[^\\/]+/.test(text)) throw refuse(key, target, 'a UNC path needs a server and a share');
    const segments = text.split(/[\\/]/);
    if (hasDotDot(segments)) throw refuse(key, target, 'it has a ".." segment');
    // Below the drive (D:) or the server and share.
    const problem = windowsSegmentProblem(windowsDrive ? segments.slice(1) : segments.filter((x) => x !== '').slice(2));
    if (problem) throw refuse(key, target, problem);
    // Node reads only backslashes as separators in UNC form.
    return pathToFileURL(text.replace(/\//g, '\\'), { windows: true });
  }
  if (!text.startsWith('/')) throw refuse(key, target, 'it is relative');
  if (hasDotDot(text.split('/'))) throw refuse(key, target, 'it has a ".." segment');
  return pathToFileURL(text, { windows: false });
}

/**
 * The native path of a `file:` URL on `platform` (default: this process's): `D:\…` and
 * `\\server\share\…` on win32, `/…` on POSIX. Throws {@link ConfigError} for `key` when the URL
 * is not a `file:` URL or cannot be a path there (a UNC host or a drive letter on POSIX).
 * @public
 */
export function fileUrlToPath(url: URL, platform: PathPlatform = process.platform === 'win32' ? 'win32' : 'posix', key = 'target'): string {
  if (url.protocol !== 'file:') throw refuse(key, url.href, 'a file: URL is needed here');
  const windows = platform === 'win32';
  if (!windows && /^\/[a-z]:(\/|$)/i.test(url.pathname)) {
    throw refuse(key, url.href, 'a Windows drive path cannot be used on this platform');
  }
  try {
    return fileURLToPath(url, { windows });
  } catch (err) {
    throw refuse(key, url.href, `it is no path on ${platform}: ${(err as Error).message}`);
  }
}
