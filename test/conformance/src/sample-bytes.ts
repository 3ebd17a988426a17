/**
 * Deterministic test bytes, so a failing run can be repeated byte for byte.
 * @packageDocumentation
 */

/**
 * `size` pseudo-random bytes drawn from `seed` (xorshift32). Different seeds give different
 * contents of the same size, which is what collision checks need.
 * @public
 */
export function sampleBytes(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761 + 1) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A small RFC 5322-looking message, with CRLF line ends that a sink must not alter. */
export function sampleMessage(subject: string, seed: number): Buffer {
  const body = sampleBytes(64, seed).toString('base64');
  return Buffer.from(
    `From: Ann <ann@example.com>\r\nTo: Bo <bo@example.com>\r\nSubject: ${subject}\r\n` +
      `Date: Sat, 28 Nov 2026 14:46:13 +0000\r\nMessage-ID: <${seed}@example.com>\r\n\r\n${body}\r\n`,
    'utf8',
  );
}
