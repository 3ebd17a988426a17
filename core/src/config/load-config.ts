import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { TSchema } from '@sinclair/typebox';
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { SecretRegistry } from '../logging/secret-registry.js';

/**
 * Reads a configuration file: JSON (`.json`) or YAML (anything else). Throws {@link ConfigError}
 * naming the file when it is missing or unreadable, or not a mapping at the top.
 * @public
 */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ key: '--config', expected: `a readable configuration file at ${path} (${(err as Error).message})` }]);
  }
  let value: unknown;
  const json = extname(path).toLowerCase() === '.json';
  try {
    value = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError([{ key: '--config', expected: `valid ${json ? 'JSON' : 'YAML'} in ${path}`, found: syntaxProblem(err, text) }]);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([{ key: '(root)', expected: `a mapping of settings at the top of ${path}` }]);
  }
  return value as Record<string, unknown>;
}

/**
 * Where and what the syntax error is, without the parsers' own messages: they quote the offending line, which may
 * be a token or a password.
 */
function syntaxProblem(err: unknown, text: string): string {
  const yaml = err as { linePos?: { line: number; col: number }[]; code?: string };
  // The YAML error's code, not its text: some texts quote characters of the line (an invalid escape sequence).
  if (yaml.linePos?.[0]) return `${yaml.code ?? 'a syntax error'} at line ${yaml.linePos[0].line}, column ${yaml.linePos[0].col}`;
  const at = /^(.*?) in JSON at position (\d+)/.exec((err as Error).message ?? '');
  if (!at) return 'a syntax error (the line is not shown: it may hold a secret)';
  const before = text.slice(0, Number(at[2]));
  const line = before.split('\n').length;
  return `${at[1]} at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
}

/**
 * Replaces references in string values, so secrets need not sit in the config file:
 * `${env:NAME}` (an environment variable) and `${file:PATH}` (a file's content, trimmed; relative
 * to `baseDir`). Collects every unresolved reference into one {@link ConfigError}.
 * @public
 */
export function resolveReferences(config: Record<string, unknown>, baseDir: string, env: NodeJS.ProcessEnv = process.env): void {
  const issues: ConfigIssue[] = [];
  const walk = (node: Record<string, unknown> | unknown[], path: string): void => {
    for (const [k, v] of Object.entries(node)) {
      const key = path ? `${path}.${k}` : k;
      if (typeof v === 'string') {
        const m = /^\$\{(env|file):(.+)\}$/.exec(v.trim());
        if (!m) continue;
        const [, kind, ref] = m as unknown as [string, string, string];
        if (kind === 'env') {
          const value = env[ref];
          if (value === undefined || value === '') issues.push({ key, expected: `environment variable ${ref} to be set` });
          else (node as Record<string, unknown>)[k] = value;
        } else {
          const file = isAbsolute(ref) ? ref : resolve(baseDir, ref);
          try {
            (node as Record<string, unknown>)[k] = readFileSync(file, 'utf8').trim();
          } catch {
            issues.push({ key, expected: `a readable secret file at ${file}` });
          }
        }
      } else if (v !== null && typeof v === 'object') walk(v as Record<string, unknown>, key);
    }
  };
  walk(config, '');
  if (issues.length) throw new ConfigError(issues);
}

/**
 * Sets a dotted key, creating objects on the way; used to lay command-line flags over the file.
 * Arrays are appended to when `append` is set (e.g. repeated `--allow-root`).
 * @public
 */
export function setPath(config: Record<string, unknown>, path: string, value: unknown, append = false): void {
  const parts = path.split('.');
  let cur = config;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1]!;
  if (append) {
    const existing = cur[last];
    cur[last] = [...(Array.isArray(existing) ? existing : existing === undefined ? [] : [existing]), ...(Array.isArray(value) ? value : [value])];
  } else cur[last] = value;
}

/**
 * Registers every value the schema marks `"x-secret": true` with the logger's secret registry.
 * @public
 */
export function collectSecrets(value: unknown, schema: TSchema | undefined, secrets: SecretRegistry): void {
  if (!schema || value === null || value === undefined) return;
  const s = schema as Record<string, unknown>;
  if (s['x-secret'] === true && typeof value === 'string') secrets.add(value);
  if (typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collectSecrets(item, s['items'] as TSchema | undefined, secrets);
    return;
  }
  const props = (s['properties'] ?? {}) as Record<string, TSchema>;
  const pattern = Object.values((s['patternProperties'] ?? {}) as Record<string, TSchema>)[0];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) collectSecrets(v, props[k] ?? pattern, secrets);
  for (const member of [...((s['anyOf'] ?? []) as TSchema[]), ...((s['allOf'] ?? []) as TSchema[])]) collectSecrets(value, member, secrets);
}

/** The folder relative references in a config file are resolved against. */
export function configBaseDir(configPath: string | undefined): string {
  return configPath ? dirname(resolve(configPath)) : process.cwd();
}
