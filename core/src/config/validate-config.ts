import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { ConfigError, type ConfigIssue } from '../errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

/** One part of the configuration and the schema it must satisfy. */
export interface ConfigSection {
  /** Dotted path of the section within the config (`''` for the root). */
  path: string;
  schema: TSchema;
}

const ajv = addFormats(new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, strict: false, verbose: true }));
const compiled = new WeakMap<TSchema, ReturnType<Ajv['compile']>>();

/**
 * Validates every section of `config` at once and fills in defaults (in place).
 * Throws one {@link ConfigError} listing every problem, each naming the key and what was expected.
 * @public
 */
export function validateConfig(config: Record<string, unknown>, sections: readonly ConfigSection[]): void {
  const issues: ConfigIssue[] = [];
  for (const section of sections) {
    const parent = section.path ? getOrCreate(config, section.path) : config;
    let validate = compiled.get(section.schema);
    if (!validate) {
      validate = ajv.compile(section.schema);
      compiled.set(section.schema, validate);
    }
    if (!validate(parent)) issues.push(...(validate.errors ?? []).map((e) => toIssue(section.path, e, parent)));
  }
  if (issues.length) throw new ConfigError(dedupe(issues));
}

/** Reads a dotted path; `undefined` when any part is missing. */
export function getPath(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function getOrCreate(obj: Record<string, unknown>, path: string): Record<string, unknown> {
  let cur = obj;
  for (const part of path.split('.')) {
    const next = cur[part];
    if (next === undefined) cur[part] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) return { __notAnObject: next } as Record<string, unknown>;
    cur = cur[part] as Record<string, unknown>;
  }
  return cur;
}

function toIssue(base: string, e: ErrorObject, root: unknown): ConfigIssue {
  const segs = e.instancePath.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const key = [base, ...segs].filter(Boolean).join('.');
  const join = (k: string) => [key, k].filter(Boolean).join('.');
  // Never echo a secret back, even a malformed one.
  const secret = (e.parentSchema as Record<string, unknown> | undefined)?.['x-secret'] === true;
  const found = secret ? undefined : describe(segs.reduce<unknown>((v, s) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined), root));
  switch (e.keyword) {
    case 'required':
      return { key: join(String(e.params['missingProperty'])), expected: 'a value (it is required)' };
    case 'additionalProperties':
      return { key: join(String(e.params['additionalProperty'])), expected: 'no such key (unknown option; check the spelling)' };
    case 'enum':
      return { key, expected: `one of ${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, found };
    case 'const':
      return { key, expected: JSON.stringify(e.params['allowedValue']), found };
    case 'anyOf': {
      const options = (e.schema as { const?: unknown }[]).map((s) => s.const).filter((v) => v !== undefined);
      return { key, expected: options.length ? `one of ${options.map((v) => JSON.stringify(v)).join(', ')}` : 'a value matching one of the allowed forms', found };
    }
    default:
      return { key, expected: (e.message ?? 'a valid value').replace(/^must (be |have |match )?/, ''), found };
  }
}

function describe(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const s = JSON.stringify(v);
  return s === undefined ? undefined : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  // A union's members each complain; keep the union's own summary and one line per key.
  const anyOfKeys = new Set(issues.filter((i) => i.expected.startsWith('one of')).map((i) => i.key));
  return issues.filter((i) => {
    if (anyOfKeys.has(i.key) && !i.expected.startsWith('one of')) return false;
    const k = `${i.key}\0${i.expected}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
