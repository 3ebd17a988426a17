/**
 * Keeps filesystem targets inside the configured allowed roots, symlinks included.
 * @packageDocumentation
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';

/** Path functions of one platform: `path.win32` or `path.posix`. */
export type PathApi = typeof path.win32;

function comparable(p: string, api: PathApi): string {
  const resolved = api.resolve(p);
  // NTFS and SMB compare names case-insensitively; POSIX filesystems do not. Only ASCII letters are folded:
  // JavaScript's full Unicode folding makes the Kelvin sign a "k", where NTFS sees another name, so a
  // look-alike folder beside a root would pass as inside it. Refusing other case variants is the safe side.
  return api === path.win32 ? resolved.replace(/[A-Z]/g, (c) => c.toLowerCase()) : resolved;
}

/**
 * Whether `child` is `root` or inside it, after normalisation (`.`, `..`, doubled and trailing
 * separators; case-insensitively on win32). Lexical only: symlinks are not looked at.
 * @public
 */
export function isInside(child: string, root: string, api: PathApi = path): boolean {
  const c = comparable(child, api);
  const r = comparable(root, api);
  if (c === r) return true;
  const prefix = r.endsWith(api.sep) ? r : r + api.sep;
  return c.startsWith(prefix);
}

/**
 * The allowed root that holds `target` (the innermost, when roots nest), or `undefined`.
 * Lexical only, see {@link isInside}.
 * @public
 */
export function findAllowedRoot(target: string, roots: readonly string[], api: PathApi = path): string | undefined {
  return roots.filter((r) => isInside(target, r, api)).sort((a, b) => b.length - a.length)[0];
}

/**
 * The real path of `p` as far as it exists, with the rest appended: symlinks in the existing part
 * are resolved, so a link inside an allowed root that points elsewhere shows where it leads.
 * Rejects with what `realpath` rejects with other than ENOENT/ENOTDIR.
 * @public
 */
export async function realpathOfExisting(p: string): Promise<string> {
  const rest: string[] = [];
  let current = path.resolve(p);
  for (;;) {
    try {
      const real = await realpath(current);
      return rest.length ? path.join(real, ...rest.reverse()) : real;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = path.dirname(current);
      if (parent === current) return path.join(current, ...rest.reverse());
      rest.push(path.basename(current));
      current = parent;
    }
  }
}
