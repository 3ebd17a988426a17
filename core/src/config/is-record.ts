/**
 * Whether `v` is a plain object with keys (not `null`, not an array): a config section or value
 * that can be walked by key.
 * @internal
 */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
