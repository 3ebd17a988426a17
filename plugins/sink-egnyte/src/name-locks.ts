/**
 * Serialises work per key within this process. Egnyte has no "fail if exists" upload, so two
 * concurrent creates of one name would both pass the look-up and the second would add a version;
 * holding the name's lock from look-up to upload makes the second see the first's file. (Other
 * processes are kept out by the tenant lease.)
 */
export class NameLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` once every earlier holder of `key` is done; resolves or rejects as `work` does. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      // Forget the key once nobody queued behind us.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys currently held or waited for. */
  get size(): number {
    return this.tails.size;
  }
}
