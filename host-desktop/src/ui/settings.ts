import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import {
  ConfigError,
  ConnectorConfigSchema,
  NameTemplate,
  NAME_TEMPLATE_TOKENS,
  configBaseDir,
  getPath,
  readConfigFile,
  resolveReferences,
  setPath,
  validateConfig,
  type ConfigIssue,
  type ConfigSection,
} from '@filing-sync/core';

/** A setting the page edits: its config key, label and kind. @public */
export interface SettingField {
  key: string;
  label: string;
  /** `secret`: write-only; the page gets only whether one is set, never the value. */
  kind: 'text' | 'url' | 'integer' | 'choice' | 'secret';
  help: string;
  /** The allowed values of a `choice`. */
  options?: readonly string[];
}

/**
 * The settings the page offers. Everything else stays as written in the config file (secrets
 * such as `source.token` are never read into the page).
 * @public
 */
export const SETTING_FIELDS: readonly SettingField[] = [
  { key: 'source.url', label: 'Filing service URL', kind: 'url', help: 'The address of your filing service, e.g. https://filing.example.com' },
  { key: 'source.tenant', label: 'Tenant', kind: 'text', help: 'Your organisation at the filing service.' },
  { key: 'source.token', label: 'Filing service token', kind: 'secret', help: 'The token your administrator gave you. Kept in a file only you can read; never shown again.' },
  { key: 'naming.template', label: 'File name template', kind: 'text', help: `Tokens: ${NAME_TEMPLATE_TOKENS.map((t) => `{${t}}`).join(' ')}` },
  { key: 'defaultFormat', label: 'Default format', kind: 'choice', options: ['msg', 'eml'], help: 'Outlook .msg or standard .eml, for locations that do not say.' },
  { key: 'concurrency.filings', label: 'Filings at once', kind: 'integer', help: 'How many filings are written at the same time (1 to 64).' },
];

/** Values by config key. @public */
export type SettingValues = Record<string, string | number | undefined>;

/**
 * Reads the settings from the config file as written (references such as `${env:…}` are shown
 * as they are). A missing file reads as empty.
 * @public
 */
export function readSettings(configPath: string): SettingValues {
  const raw = existsSync(configPath) ? readConfigFile(configPath) : {};
  const values: SettingValues = {};
  for (const f of SETTING_FIELDS) {
    if (f.kind === 'secret') continue;
    const v = getPath(raw, f.key);
    if (typeof v === 'string' || typeof v === 'number') values[f.key] = v;
  }
  // Unset values show the connector's own defaults.
  values['naming.template'] ??= ConnectorConfigSchema.properties.naming.properties.template.default;
  values['concurrency.filings'] ??= ConnectorConfigSchema.properties.concurrency.properties.filings.default;
  values['defaultFormat'] ??= 'msg';
  return values;
}

/** Which write-only settings have a value, without the values. @public */
export function secretsSet(configPath: string): Record<string, boolean> {
  const raw = existsSync(configPath) ? readConfigFile(configPath) : {};
  return { 'source.token': getPath(raw, 'source.token') !== undefined || getPath(raw, 'source.tokenFile') !== undefined };
}

/** The file a token typed into the page is kept in: beside the config, readable only by the user. @public */
export function tokenFileFor(configPath: string): string {
  return join(dirname(configPath), 'filing-service.token');
}

/**
 * Checks `values` laid over the config file against the core schema, the source plugin's schema
 * and the template parser, and writes the file (JSON, whole, renamed into place) when all is
 * well. A changed `source.url` needs the token typed again (`source.token`), so a saved token is
 * never sent to a new address by someone who does not know it. Rejects with one
 * {@link ConfigError} listing every problem by key, writing nothing.
 * @public
 */
export async function saveSettings(configPath: string, values: SettingValues, sourceSchema: ConfigSection['schema'] | undefined): Promise<void> {
  if (existsSync(configPath) && extname(configPath).toLowerCase() !== '.json') {
    throw new ConfigError([{ key: '--config', expected: 'a JSON config file to save settings into (edit YAML files by hand)', found: configPath }]);
  }
  const raw = existsSync(configPath) ? readConfigFile(configPath) : {};
  const issues: ConfigIssue[] = [];
  let newToken: string | undefined;
  const urlBefore = getPath(raw, 'source.url');
  const tokenSaved = getPath(raw, 'source.token') !== undefined || getPath(raw, 'source.tokenFile') !== undefined;
  for (const f of SETTING_FIELDS) {
    if (!(f.key in values)) continue;
    const v = values[f.key];
    if (f.kind === 'secret') {
      // Empty keeps what is set; a value goes to a user-only file, and the config names the file.
      if (typeof v === 'string' && v.trim() !== '') newToken = v.trim();
      continue;
    }
    if (v === undefined || v === '') {
      issues.push({ key: f.key, expected: `a value (${f.help})` });
      continue;
    }
    if (f.kind === 'choice' && !f.options?.includes(String(v))) {
      issues.push({ key: f.key, expected: `one of ${f.options?.join(', ')}`, found: JSON.stringify(v) });
    } else if (f.kind === 'integer') {
      const n = typeof v === 'number' ? v : Number(String(v).trim());
      if (!Number.isInteger(n)) issues.push({ key: f.key, expected: 'a whole number', found: JSON.stringify(v) });
      else setPath(raw, f.key, n);
    } else setPath(raw, f.key, String(v).trim());
  }
  // The saved token goes only to the address it was entered for: whoever changes the address must know the token.
  const urlAfter = getPath(raw, 'source.url');
  if (tokenSaved && newToken === undefined && typeof urlAfter === 'string' && urlAfter !== (typeof urlBefore === 'string' ? urlBefore.trim() : urlBefore)) {
    issues.push({ key: 'source.token', expected: 'the filing service token, entered again: the filing service URL changed, and the saved token is sent only to the address it was entered for' });
  }
  if (newToken !== undefined) {
    setPath(raw, 'source.tokenFile', tokenFileFor(configPath));
    delete (raw['source'] as Record<string, unknown>)['token'];
  }
  // Checked on a copy with references resolved and defaults filled in; the file keeps them as written.
  const candidate = structuredClone(raw);
  if (newToken !== undefined) {
    delete (candidate['source'] as Record<string, unknown>)['tokenFile'];
    setPath(candidate, 'source.token', newToken);
  }
  try {
    resolveReferences(candidate, configBaseDir(configPath));
    const sections: ConfigSection[] = [{ path: '', schema: ConnectorConfigSchema }];
    if (sourceSchema) sections.push({ path: 'source', schema: sourceSchema });
    validateConfig(candidate, sections);
  } catch (err) {
    if (err instanceof ConfigError) issues.push(...err.issues);
    else throw err;
  }
  const template = getPath(candidate, 'naming.template');
  if (typeof template === 'string') {
    try {
      NameTemplate.parse(template, 'naming.template');
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  }
  // A problem with the token never quotes it back to the page.
  if (issues.length) throw new ConfigError(dedupe(issues).map((i) => (i.key.startsWith('source.token') ? { key: i.key, expected: i.expected } : i)));
  if (newToken !== undefined) await writePrivate(tokenFileFor(configPath), `${newToken}\n`);
  await writePrivate(configPath, `${JSON.stringify(raw, null, 2)}\n`);
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.key}|${i.expected}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

async function writePrivate(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  // The config may name secrets (token files, client ids): only the user reads it.
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

