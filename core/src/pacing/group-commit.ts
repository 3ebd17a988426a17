/**
 * What a {@link GroupCommit}'s flush answers for one item: its result, or the error that item
 * alone failed with.
 * @public
 */
export type ItemResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Options of a {@link GroupCommit}. */
export interface GroupCommitOptions {
  /** Most items per flush; the rest wait for the next one. Default: no limit. */
  maxBatch?: number;
}

type Flush<T, R> = (items: T[]) => Promise<ItemResult<R>[] | void> | ItemResult<R>[] | void;

interface Waiting<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: many callers' items go out in one flush (one durable commit, one folder sync,
 * one request) instead of one each, with no added delay for a lone caller.
 *
 * An item added while no flush runs is flushed on the next turn of the event loop, together with
 * everything added in the same turn; items added while a flush runs wait for it and go out
 * together right after. At most one flush runs at a time, so a flush started after an item was
 * added always covers it (what a folder sync or a WAL commit needs).
 *
 * `flush(items)` either returns one {@link ItemResult} per item (in order), or nothing (every
 * item resolves with `undefined`), or throws/rejects: then every item of that flush rejects with
 * that error. Later flushes are not affected.
 * @public
 */
export class GroupCommit<T, R = void> {
  private queue: Waiting<T, R>[] = [];
  private running = false;
  private scheduled = false;

  constructor(
    private readonly flush: Flush<T, R>,
    private readonly options: GroupCommitOptions = {},
  ) {}

  /** Queues `item`; resolves with its result once a flush covering it succeeded, rejects with its error. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a flush. */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.running || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const max = this.options.maxBatch ?? Number.POSITIVE_INFINITY;
    const batch = this.queue.splice(0, max);
    try {
      const results = await this.flush(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        const r = results?.[i];
        if (!results) w.resolve(undefined as R);
        else if (!r) w.reject(new Error('the flush gave no result for this item'));
        else if (r.ok) w.resolve(r.value);
        else w.reject(r.error);
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
