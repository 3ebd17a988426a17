/**
 * Resolving the relative paths a config file holds against that file's folder.
 * @packageDocumentation
 */
import { isAbsolute, resolve } from 'node:path';
import type { ConfigSection } from './validate-config.js';
import { isRecord } from './is-record.js';

/**
 * Resolves, in place, every relative path in `config` that a section's schema marks with `"x-path": true` (a string,
 * or the items of a list of them) against `baseDir`, the config file's folder: a path written in a config file
 * means the same wherever filing-sync is started from. Values that are not strings are left for validation to
 * refuse. Never throws.
 * @public
 */
export function resolveConfigPaths(config: Record<string, unknown>, sections: readonly ConfigSection[], baseDir: string): void {
  for (const section of sections) {
    if (section.path === '') {
      resolveIn(config, section.schema, baseDir);
      continue;
    }
    const keys = section.path.split('.');
    let parent: unknown = config;
    for (const k of keys.slice(0, -1)) parent = isRecord(parent) ? parent[k] : undefined;
    const last = keys[keys.length - 1]!;
    if (isRecord(parent) && parent[last] !== undefined) parent[last] = resolveIn(parent[last], section.schema, baseDir);
  }
}

function resolveIn(value: unknown, schema: unknown, baseDir: string): unknown {
  if (!isRecord(schema)) return value;
  if (schema['x-path'] === true && typeof value === 'string' && value !== '' && !isAbsolute(value)) return resolve(baseDir, value);
  if (Array.isArray(value) && isRecord(schema['items'])) return value.map((v) => resolveIn(v, schema['items'], baseDir));
  if (isRecord(value) && isRecord(schema['properties'])) {
    for (const [k, sub] of Object.entries(schema['properties'])) if (value[k] !== undefined) value[k] = resolveIn(value[k], sub, baseDir);
  }
  return value;
}

