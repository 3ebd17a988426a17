import {
  configBaseDir, getPath, readConfigFile, resolveReferences, setPath, type ConfigOverride,
} from '@filing-sync/core';

/** A whole string value that is a `${env:…}` or `${file:…}` reference (as the core resolves them). */
const REFERENCE = /^\$\{(env|file):.+\}$/;

/**
 * Reads the config file and lays the command-line overrides over it, resolving `${env:…}` /
 * `${file:…}` references only in the keys the command uses (dotted paths, e.g. `stateDir`).
 * Every other reference is dropped unresolved: `status` and `license verify` need none of the
 * service's secrets, so they work from an administrator's shell that lacks the service's
 * environment variables or cannot read its secret files. Plugins are not loaded.
 *
 * Throws {@link ConfigError} for an unreadable file, or naming each used key whose reference
 * cannot be resolved.
 */
export function readConfigKeys(configPath: string | undefined, overrides: readonly ConfigOverride[], uses: readonly string[]): Record<string, unknown> {
  const config = configPath ? readConfigFile(configPath) : {};
  for (const o of overrides) if (o.value !== undefined) setPath(config, o.key, o.value, o.append);
  // The used keys alone, at their own paths, so an unresolved one is named as in the file.
  const used: Record<string, unknown> = {};
  for (const key of uses) {
    const value = getPath(config, key);
    if (value !== undefined) setPath(used, key, structuredClone(value));
  }
  resolveReferences(used, configBaseDir(configPath));
  dropReferences(config);
  for (const key of uses) {
    const value = getPath(used, key);
    if (value !== undefined) setPath(config, key, value);
  }
  return config;
}

/** Removes every reference value (object members and array items), in place. */
function dropReferences(node: Record<string, unknown> | unknown[]): void {
  if (Array.isArray(node)) {
    for (let i = node.length - 1; i >= 0; i--) {
      const v = node[i];
      if (isReference(v)) node.splice(i, 1);
      else if (v !== null && typeof v === 'object') dropReferences(v as Record<string, unknown>);
    }
    return;
  }
  for (const [k, v] of Object.entries(node)) {
    if (isReference(v)) delete node[k];
    else if (v !== null && typeof v === 'object') dropReferences(v as Record<string, unknown>);
  }
}

function isReference(v: unknown): boolean {
  return typeof v === 'string' && REFERENCE.test(v.trim());
}
