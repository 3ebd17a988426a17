/**
 * Showing a configured URL in an error without its user name and password.
 * @packageDocumentation
 */

/** A scheme and what follows it up to the authority: `https://`, `ftp:/`, and the malformed `https//`. */
const SCHEME = /^\s*[a-z][a-z0-9+.-]*(?::\/*|\/\/)/i;

/**
 * `text` with the `user:password@` part of a URL at its start replaced by `[redacted]@`. Works on text that does
 * not parse as a URL, since that is when it is shown: the user information runs up to the last `@` (an unencoded
 * `/`, `?` or `#` in a password is what makes such a URL fail to parse), and across a space only when a `:` comes
 * before any `/` (a password with a space; other text with a space and an `@` is left alone).
 * @public
 */
export function withoutUserInfo(text: string): string {
  const scheme = SCHEME.exec(text)?.[0];
  if (scheme === undefined) return text;
  const rest = text.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at < 0) return text;
  const userInfo = rest.slice(0, at);
  return !/\s/.test(userInfo) || /^[^/?#\s]*:/.test(userInfo) ? `${scheme}[redacted]@${rest.slice(at + 1)}` : text;
}

/**
 * `value` (a configured URL, possibly malformed) with any `user:password@` part replaced by `[redacted]@`, quoted
 * for an error's `found` (see {@link withoutUserInfo}).
 * @public
 */
export function urlForDisplay(value: string): string {
  return JSON.stringify(withoutUserInfo(value));
}
