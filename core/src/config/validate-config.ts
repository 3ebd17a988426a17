import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { withoutUserInfo } from './url-for-display.js';

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

/** Shown instead of a value that is, or may be, a secret. */
const HIDDEN = '(a secret value, not shown)';

/**
 * Validates every section of `config` at once and fills in defaults (in place).
 * Throws one {@link ConfigError} listing every problem, each naming the key and what was expected.
 *
 * What was found is shown only for plain values (strings, numbers, booleans), never for a value
 * under a key that any section's schema marks `"x-secret": true` (in any member of a union), and
 * never when it contains such a secret. For a union (`anyOf`) whose members are told apart by a
 * constant property (e.g. `method`) or by the kind of value, only the problems of the member the
 * config chose are listed.
 * @public
 */
export function validateConfig(config: Record<string, unknown>, sections: readonly ConfigSection[]): void {
  const issues: ConfigIssue[] = [];
  // Sections that are not objects: their own issue replaces the root schema's complaint about them.
  const notObjects = new Map<string, ConfigIssue>();
  const secretValues = new Set<string>();
  const checks: { section: ConfigSection; errors: ErrorObject[]; parent: unknown; secretKeys: Set<string> }[] = [];
  for (const section of sections) {
    const secretKeys = secretKeysOf(section.schema);
    const parent = section.path ? getOrCreate(config, section.path) : { object: config };
    if ('notAnObject' in parent) {
      // An empty YAML section (`source:`) is null: say so, rather than validate a stand-in.
      const issue = { key: parent.key, expected: 'an object', found: kindOf(parent.notAnObject, true) };
      if (!notObjects.has(issue.key)) {
        notObjects.set(issue.key, issue);
        issues.push(issue);
      }
      continue;
    }
    collectSecretValues(parent.object, secretKeys, false, secretValues);
    let validate = compiled.get(section.schema);
    if (!validate) {
      validate = ajv.compile(section.schema);
      compiled.set(section.schema, validate);
    }
    if (!validate(parent.object)) checks.push({ section, errors: [...(validate.errors ?? [])], parent: parent.object, secretKeys });
  }
  for (const { section, errors, parent, secretKeys } of checks) {
    issues.push(...chooseUnionBranches(errors).map((e) => toIssue(section.path, e, parent, secretKeys)));
  }
  if (issues.length === 0) return;
  const safe = issues
    .filter((i) => !notObjects.has(i.key) || notObjects.get(i.key) === i)
    .map((i) => (i.found !== undefined && [...secretValues].some((s) => i.found!.includes(s)) ? { ...i, found: HIDDEN } : i));
  throw new ConfigError(dedupe(safe));
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

/** The section object at `path`, created when missing; or the first part of the path that is not an object. */
function getOrCreate(obj: Record<string, unknown>, path: string): { object: Record<string, unknown> } | { key: string; notAnObject: unknown } {
  let cur = obj;
  const parts = path.split('.');
  for (const [i, part] of parts.entries()) {
    const next = cur[part];
    if (next === undefined) cur[part] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) return { key: parts.slice(0, i + 1).join('.'), notAnObject: next };
    cur = cur[part] as Record<string, unknown>;
  }
  return { object: cur };
}

/**
 * Keeps, for each failed union, only the problems of the member the value chose (by its constant
 * discriminator, else by its kind of value); the other members' complaints would send the user
 * after options of a method they did not pick. When no member can be told, the union's own
 * summary stands for all of them.
 */
function chooseUnionBranches(errors: ErrorObject[]): ErrorObject[] {
  const drop = new Set<ErrorObject>();
  const replace = new Map<ErrorObject, ErrorObject>();
  for (const u of errors) {
    if (!isFailedUnion(u)) continue;
    const members = u.schema as Record<string, unknown>[];
    const inMember = (e: ErrorObject, i: number) => e.schemaPath.startsWith(`${u.schemaPath}/${i}/`);
    const chosen = chooseMember(members, u.data);
    if (chosen !== undefined) {
      drop.add(u);
      for (const e of errors) if (e !== u && members.some((_, i) => i !== chosen && inMember(e, i))) drop.add(e);
      continue;
    }
    for (const e of errors) if (e !== u && members.some((_, i) => inMember(e, i))) drop.add(e);
    const tag = discriminator(members);
    if (tag && isObject(u.data)) {
      // The discriminator itself is wrong or missing: that is the one problem to report.
      replace.set(u, {
        ...u,
        keyword: 'discriminator',
        instancePath: `${u.instancePath}/${tag.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        params: { tag, allowed: members.map((m) => constOf((m['properties'] as Record<string, unknown>)[tag])), missing: !(tag in u.data) },
      });
    }
  }
  return errors.filter((e) => !drop.has(e)).map((e) => replace.get(e) ?? e);
}

function isFailedUnion(e: ErrorObject): boolean {
  if (!Array.isArray(e.schema)) return false;
  return e.keyword === 'anyOf' || (e.keyword === 'oneOf' && e.params['passingSchemas'] === null);
}

/** The index of the only member the value can have meant, if there is exactly one. */
function chooseMember(members: Record<string, unknown>[], data: unknown): number | undefined {
  const tag = discriminator(members);
  if (tag && isObject(data) && tag in data) {
    const matches = members.flatMap((m, i) => (constOf((m['properties'] as Record<string, unknown>)[tag]) === data[tag] ? [i] : []));
    return matches.length === 1 ? matches[0] : undefined;
  }
  const kind = jsonType(data);
  const matches = members.flatMap((m, i) => (memberAccepts(m, kind, data) ? [i] : []));
  return matches.length === 1 ? matches[0] : undefined;
}

/** A property every member of the union fixes to its own constant (e.g. `method`), if any. */
function discriminator(members: Record<string, unknown>[]): string | undefined {
  const first = members[0]?.['properties'] as Record<string, unknown> | undefined;
  if (!first || members.length < 2) return undefined;
  return Object.keys(first).find((p) => {
    const values = members.map((m) => constOf((m['properties'] as Record<string, unknown> | undefined)?.[p]));
    return values.every((v) => v !== undefined) && new Set(values.map((v) => JSON.stringify(v))).size === values.length;
  });
}

function constOf(schema: unknown): unknown {
  if (!isObject(schema)) return undefined;
  if ('const' in schema) return schema['const'];
  const e = schema['enum'];
  return Array.isArray(e) && e.length === 1 ? e[0] : undefined;
}

/** Whether a member is of the value's kind (a constant member only for an equal value). */
function memberAccepts(member: Record<string, unknown>, kind: string, data: unknown): boolean {
  const c = constOf(member);
  if (c !== undefined) return JSON.stringify(c) === JSON.stringify(data);
  const type = member['type'];
  const types = Array.isArray(type) ? (type as string[]) : typeof type === 'string' ? [type] : undefined;
  if (!types) return false;
  return types.includes(kind) || (kind === 'integer' && types.includes('number'));
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function toIssue(base: string, e: ErrorObject, root: unknown, secretKeys: Set<string>): ConfigIssue {
  const segs = e.instancePath.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const key = [base, ...segs].filter(Boolean).join('.');
  const join = (k: string) => [key, k].filter(Boolean).join('.');
  // Never echo a secret back, even a malformed one: not by its own schema, nor by a key that is
  // secret anywhere in the section (another member of a union may be the one that says so).
  const secret =
    (e.parentSchema as Record<string, unknown> | undefined)?.['x-secret'] === true || segs.some((s) => secretKeys.has(s));
  const value = segs.reduce<unknown>((v, s) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined), root);
  const found = secret && value !== null && typeof value !== 'object' && value !== undefined ? HIDDEN : kindOf(value, false);
  // A schema may say in words what its pattern or format means (`x-expected`): "an absolute folder path", not a regex.
  const said = (e.parentSchema as Record<string, unknown> | undefined)?.['x-expected'];
  if (typeof said === 'string' && (e.keyword === 'pattern' || e.keyword === 'format')) return { key, expected: said, found };
  switch (e.keyword) {
    case 'required':
      return { key: join(String(e.params['missingProperty'])), expected: 'a value (it is required)' };
    case 'additionalProperties':
      return { key: join(String(e.params['additionalProperty'])), expected: 'no such key (unknown option; check the spelling)' };
    case 'enum':
      return { key, expected: `one of ${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, found };
    case 'const':
      return { key, expected: JSON.stringify(e.params['allowedValue']), found };
    case 'discriminator': {
      const allowed = `one of ${(e.params['allowed'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      return e.params['missing'] ? { key, expected: `${allowed} (it is required)` } : { key, expected: allowed, found };
    }
    case 'type': {
      const t = e.params['type'];
      return { key, expected: t === 'object' ? 'an object' : t === 'array' ? 'a list' : String(t), found };
    }
    case 'anyOf':
    case 'oneOf': {
      const members = e.schema as Record<string, unknown>[];
      const forms = members.map((m) => {
        const c = constOf(m);
        return c !== undefined ? JSON.stringify(c) : m['type'] === 'object' ? 'an object' : m['type'] === 'array' ? 'a list' : undefined;
      });
      return {
        key,
        expected: forms.every((f) => f !== undefined) ? `one of ${forms.join(', ')}` : 'a value matching one of the allowed forms',
        found,
      };
    }
    default:
      return { key, expected: (e.message ?? 'a valid value').replace(/^must (be |have |match )?/, ''), found };
  }
}

/**
 * What to show as "found": plain values as they are (cut to 60 characters); for objects and lists
 * only what kind of value they are, since they may hold secrets. `hide` (for a whole section,
 * which may be a secret put in the wrong place) shows only the kind of a plain value too.
 */
function kindOf(v: unknown, hide: boolean): string | undefined {
  if (v === undefined) return undefined;
  if (v === null) return 'nothing';
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'object') return 'an object';
  if (hide) return typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'true or false' : 'a value';
  // A URL's password is a secret wherever it is written, whether or not its key is marked as one.
  const s = JSON.stringify(typeof v === 'string' ? withoutUserInfo(v) : v);
  return s === undefined ? undefined : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Names of every property marked `"x-secret": true` anywhere in a schema. */
function secretKeysOf(schema: unknown, into = new Set<string>(), seen = new Set<unknown>()): Set<string> {
  if (!isObject(schema) || seen.has(schema)) return into;
  seen.add(schema);
  for (const [name, prop] of Object.entries((schema['properties'] ?? {}) as Record<string, unknown>)) {
    if (isObject(prop) && prop['x-secret'] === true) into.add(name);
    secretKeysOf(prop, into, seen);
  }
  for (const k of ['patternProperties', 'definitions', '$defs', 'dependentSchemas']) {
    for (const sub of Object.values((schema[k] ?? {}) as Record<string, unknown>)) secretKeysOf(sub, into, seen);
  }
  for (const k of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) for (const sub of (schema[k] ?? []) as unknown[]) secretKeysOf(sub, into, seen);
  for (const k of ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains']) secretKeysOf(schema[k], into, seen);
  return into;
}

/** Every string under a secret key, so that no issue can show it elsewhere either. */
function collectSecretValues(v: unknown, secretKeys: Set<string>, underSecret: boolean, into: Set<string>): void {
  if (typeof v === 'string') {
    if (underSecret && v.length > 0) into.add(v);
  } else if (Array.isArray(v)) {
    for (const item of v) collectSecretValues(item, secretKeys, underSecret, into);
  } else if (isObject(v)) {
    for (const [k, item] of Object.entries(v)) collectSecretValues(item, secretKeys, underSecret || secretKeys.has(k), into);
  }
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
