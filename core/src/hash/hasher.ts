import { createHash, webcrypto } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * An incremental hash over a byte stream.
 * @public
 */
export interface Hasher {
  /** Adds bytes. Must not keep `chunk`: callers reuse its memory for the next one. */
  update(chunk: Uint8Array): void;
  /** The final value, encoded as the service that uses this kind encodes it. */
  digest(): string;
}

/** Makes a fresh {@link Hasher}. */
export type HasherFactory = () => Hasher;

function cryptoHasher(algorithm: string): HasherFactory {
  return () => {
    const h = createHash(algorithm);
    return { update: (chunk) => void h.update(chunk), digest: () => h.digest('hex') };
  };
}

const factories = new Map<string, HasherFactory>([
  ['md5', cryptoHasher('md5')],
  ['sha1', cryptoHasher('sha1')],
  ['sha256', cryptoHasher('sha256')],
  ['sha512', cryptoHasher('sha512')],
]);

/**
 * Adds a hash kind (e.g. `quickxor`, `dropbox`). Throws if the kind is already registered
 * with another factory.
 * @public
 */
export function registerHashKind(kind: string, factory: HasherFactory): void {
  const existing = factories.get(kind);
  if (existing && existing !== factory) throw new Error(`Hash kind "${kind}" is already registered.`);
  factories.set(kind, factory);
}

/**
 * A fresh hasher of `kind`. Throws when the kind is unknown, naming the known ones.
 * @public
 */
export function createHasher(kind: string): Hasher {
  const factory = factories.get(kind);
  if (!factory) throw new Error(`Unknown hash kind "${kind}"; known: ${[...factories.keys()].join(', ')}.`);
  return factory();
}

/**
 * Hashes a whole stream. Rejects on stream errors or an unknown kind.
 * @public
 */
export async function hashStream(stream: AsyncIterable<Uint8Array>, kind: string): Promise<string> {
  const hasher = createHasher(kind);
  for await (const chunk of stream) hasher.update(chunk);
  return hasher.digest();
}

/** Web Crypto's names for the kinds it can hash off the main thread. */
const WEB_CRYPTO_NAMES = new Map([
  ['sha1', 'SHA-1'],
  ['sha256', 'SHA-256'],
  ['sha512', 'SHA-512'],
]);

/** Below this size a hash on the main thread costs less than handing it to a worker thread. */
const OFF_THREAD_MIN_BYTES = 256 * 1024;

/**
 * Hashes bytes in memory. SHA-1/256/512 of large buffers run on libuv's thread pool (Web
 * Crypto), so a multi-megabyte hash does not hold up the event loop; other kinds, and small
 * buffers, are hashed at once. Rejects for an unknown kind.
 * @public
 */
export async function hashBuffer(bytes: Uint8Array, kind: string): Promise<string> {
  const name = WEB_CRYPTO_NAMES.get(kind);
  if (name && bytes.length >= OFF_THREAD_MIN_BYTES) {
    return Buffer.from(await webcrypto.subtle.digest(name, bytes)).toString('hex');
  }
  const hasher = createHasher(kind);
  hasher.update(bytes);
  return hasher.digest();
}

/** Read size of {@link hashFile}. */
const FILE_READ_BYTES = 1024 * 1024;

/**
 * Hashes a file through one reused buffer: a large file costs 1 MiB of memory, not a fresh
 * buffer per chunk waiting for the garbage collector. Rejects on read errors or an unknown kind.
 * @public
 */
export async function hashFile(path: string, kind: string): Promise<string> {
  const hasher = createHasher(kind);
  const fh = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(FILE_READ_BYTES);
    for (;;) {
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return hasher.digest();
}
