/**
 * Showing a configured URL in an error without its user name and password.
 * @packageDocumentation
 */

/**
 * `value` (a configured URL, possibly malformed) with any `user:password@` part replaced by `[redacted]@`, quoted
 * for an error's `found`. Works on text that does not parse as a URL, since that is when it is shown.
 * @public
 */
export function urlForDisplay(value: string): string {
  // Up to the last '@': an unencoded '/', '?' or '#' in the password is what makes such a URL fail to parse.
  return JSON.stringify(value.replace(/^(\s*[a-z][a-z0-9+.-]*:\/*)\S*@/i, '$1[redacted]@'));
}
