/**
 * The filing-service double's manifest: one tenant, its token, its locations and the filings queued
 * at start. Read from JSON; every problem is reported at once, naming the field.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** A location as the manifest lists it. */
export interface ManifestLocation {
  id: string;
  name: string;
  /** `eml` or `msg`. */
  format: string;
  /** Sync targets: absolute paths or URIs, passed to clients as written (see `targetRoot`). */
  targets: string[];
}

/** A filing queued at start. */
export interface ManifestFiling {
  id: string;
  /** Id of a manifest location. */
  location: string;
  /** Path of the raw RFC 5322 message; relative paths are resolved against the manifest's folder. */
  eml: string;
  /** ISO 8601; defaults to the time the double started. */
  filedAt?: string;
}

/** The whole manifest. */
export interface Manifest {
  tenant: string;
  /** The bearer token clients must send. */
  token: string;
  locations: ManifestLocation[];
  filings: ManifestFiling[];
}

/** Thrown for an unusable manifest; `problems` lists every one, each naming its field. */
export class ManifestError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`Invalid manifest ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ManifestError';
  }
}

/** Options of {@link resolveManifest}. */
export interface ResolveOptions {
  /** Folder that relative `eml` paths are resolved against. */
  baseDir: string;
  /**
   * When given, targets that are relative paths (`./var/filed/x`, `var/filed/x`) are made absolute
   * against it; absolute paths and URIs (`scheme:...`) are left alone. Without it targets stay as written.
   */
  targetRoot?: string;
  /** Named in error messages. */
  source?: string;
}

/**
 * Checks a parsed manifest and returns a copy with `eml` paths absolute (and relative targets
 * resolved when `targetRoot` is given). Throws {@link ManifestError} listing every problem.
 */
export function resolveManifest(raw: unknown, options: ResolveOptions): Manifest {
  const problems: string[] = [];
  const str = (v: unknown, field: string): string => {
    if (typeof v === 'string' && v.length > 0) return v;
    problems.push(`${field}: expected a non-empty string, found ${JSON.stringify(v)}`);
    return '';
  };
  const arr = (v: unknown, field: string): unknown[] => {
    if (Array.isArray(v)) return v;
    problems.push(`${field}: expected an array, found ${JSON.stringify(v)}`);
    return [];
  };
  const obj = (v: unknown, field: string): Record<string, unknown> => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`${field}: expected an object, found ${JSON.stringify(v)}`);
    return {};
  };

  const root = obj(raw, '(root)');
  const tenant = str(root.tenant, 'tenant');
  const token = str(root.token, 'token');
  const locations: ManifestLocation[] = arr(root.locations, 'locations').map((l, i) => {
    const o = obj(l, `locations[${i}]`);
    return {
      id: str(o.id, `locations[${i}].id`),
      name: str(o.name, `locations[${i}].name`),
      format: str(o.format, `locations[${i}].format`),
      targets: arr(o.targets, `locations[${i}].targets`).map((t, j) =>
        resolveTarget(str(t, `locations[${i}].targets[${j}]`), options.targetRoot),
      ),
    };
  });
  const locationIds = new Set<string>();
  locations.forEach((l, i) => {
    if (locationIds.has(l.id)) problems.push(`locations[${i}].id: "${l.id}" is used twice`);
    locationIds.add(l.id);
  });
  const filingIds = new Set<string>();
  const filings: ManifestFiling[] = arr(root.filings, 'filings').map((f, i) => {
    const o = obj(f, `filings[${i}]`);
    const id = str(o.id, `filings[${i}].id`);
    if (filingIds.has(id)) problems.push(`filings[${i}].id: "${id}" is used twice`);
    filingIds.add(id);
    const location = str(o.location, `filings[${i}].location`);
    if (location && !locationIds.has(location)) problems.push(`filings[${i}].location: expected one of the location ids, found "${location}"`);
    const eml = str(o.eml, `filings[${i}].eml`);
    let filedAt: string | undefined;
    if (o.filedAt !== undefined) {
      if (typeof o.filedAt !== 'string' || Number.isNaN(Date.parse(o.filedAt))) {
        problems.push(`filings[${i}].filedAt: expected an ISO 8601 date-time, found ${JSON.stringify(o.filedAt)}`);
      } else filedAt = new Date(o.filedAt).toISOString();
    }
    return { id, location, eml: eml && path.resolve(options.baseDir, eml), ...(filedAt ? { filedAt } : {}) };
  });
  if (problems.length > 0) throw new ManifestError(options.source ?? 'manifest', problems);
  return { tenant, token, locations, filings };
}

/** Reads and checks a manifest file (see {@link resolveManifest}); relative `eml` paths are against its folder. */
export async function loadManifest(file: string, targetRoot?: string): Promise<Manifest> {
  const absolute = path.resolve(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(absolute, 'utf8'));
  } catch (err) {
    throw new ManifestError(absolute, [`(file): ${(err as Error).message}`]);
  }
  return resolveManifest(parsed, { baseDir: path.dirname(absolute), source: absolute, ...(targetRoot ? { targetRoot } : {}) });
}

/** A URI has a scheme of two or more letters (so `C:\x` stays a path). */
const URI = /^[a-z][a-z0-9+.-]+:/i;

function resolveTarget(target: string, root: string | undefined): string {
  if (!root || !target || URI.test(target) || path.isAbsolute(target) || path.win32.isAbsolute(target)) return target;
  return path.resolve(root, target);
}
