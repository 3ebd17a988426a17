import { setMaxListeners } from 'node:events';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { Content } from '../contracts/content.js';
import { BufferContent } from '../content/buffer-content.js';
import type { Filing, TargetOutcome } from '../contracts/filing.js';
import type { Formatter } from '../contracts/formatter.js';
import { LeaseLost, type Lease } from '../contracts/lease.js';
import type { Source } from '../contracts/source.js';
import type { Sink, TargetAccess } from '../contracts/sink.js';
import type { SinkFactory } from '../contracts/sink-factory.js';
import { FilingSyncError, PermanentError, TargetMissing, TransientError, isMachineFailure, toFilingSyncError } from '../errors.js';
import { readMessageHeaders, type MessageHeaders } from '../naming/read-message-headers.js';
import { makeFileName, namingInputFor } from '../naming/make-file-name.js';
import type { NameTemplate } from '../naming/name-template.js';
import { placeFile } from '../placement/place-file.js';
import { GroupCommit } from '../pacing/group-commit.js';
import { MemoryBudget } from '../pacing/memory-budget.js';
import { retrying, type RetryPolicy } from '../retry.js';
import type { StateStore } from '../state/state-store.js';
import { LeaseKeeper, type LeaseState } from './lease-keeper.js';
import type { SecretRegistry } from '../logging/secret-registry.js';
import type { SinkRegistry } from './sink-registry.js';
import { DEFAULT_SPOOL_MEMORY_LIMIT, Spool } from './spool.js';

/** How the engine runs. */
export interface EngineOptions {
  /** Name the tenant lease is held under. */
  connectorId: string;
  leaseTtlMs: number;
  pollIntervalMs: number;
  batchSize: number;
  /** Filings processed at once. */
  filingConcurrency: number;
  /** Writes at once per sink plugin name; others get `defaultPerSink`. */
  perSink: Readonly<Record<string, number>>;
  defaultPerSink: number;
  retry: RetryPolicy;
  /** Formatter for locations whose format is empty (`msg` when unset). */
  defaultFormat?: string;
  /** File name template, parsed (so a bad one fails at start, naming the key). */
  template: NameTemplate;
  /** Scratch folder for spooled messages. */
  spoolDir: string;
  /**
   * Most bytes of messages held in memory by the filings in flight together (default
   * {@link DEFAULT_SPOOL_BUDGET_BYTES}). A filing whose message size the source gave waits for its share
   * (up to the spool's 4 MiB) before fetching it; a message of unknown size that does not fit is spooled to disk.
   */
  spoolBudgetBytes?: number;
  /** How long a stop waits for in-flight writes before abandoning them. */
  stopDeadlineMs: number;
}

/** What the engine tells observers (metrics, status, UI). Every callback is optional and must not throw. */
export interface EngineObserver {
  lease?(state: LeaseState): void;
  polled?(count: number): void;
  /**
   * A poll found nothing new and every filing started before it has finished: all the service had
   * queued is filed (or left pending). Called after each such poll, so every poll interval while idle.
   */
  idle?(): void;
  outcome?(filing: Filing, outcome: TargetOutcome, durationMs: number): void;
  pending?(filing: Filing, target: string, error: FilingSyncError): void;
  reported?(filing: Filing): void;
  retry?(target: string, error: FilingSyncError, attempt: number, delayMs: number): void;
}

/** Counts of one drain. */
export interface DrainSummary {
  filings: number;
  reported: number;
  /** Filings left pending (a target could not be finished this time). */
  pending: number;
  outcomes: Record<TargetOutcome['outcome'], number>;
}

/**
 * Default of {@link EngineOptions.spoolBudgetBytes}: 64 MiB, sixteen messages at the spool's 4 MiB
 * limit, while any number of typical (small) messages stay in memory.
 * @public
 */
export const DEFAULT_SPOOL_BUDGET_BYTES = 64 * 1024 * 1024;

/** The dependencies the host hands the engine. */
export interface EngineDeps {
  source: Source;
  store: StateStore;
  sinks: SinkRegistry;
  formatters: readonly Formatter[];
  logger: Logger;
  observer?: EngineObserver;
  /** Secrets to blank in the error messages the engine records, reports and shows. */
  secrets?: SecretRegistry;
}

/** A rendered file for one format, or the original filed as `.eml` when rendering failed. */
interface Rendition {
  content: Content;
  extension: string;
  format: string;
  degradedReason?: string;
}

const CHECK_TTL_MS = 60_000;

/** Pause before taking the lease again after losing it (at most the poll interval). */
const LOST_LEASE_PAUSE_MS = 1_000;

/**
 * The connector: lease → poll → render → name → write → record → report, with bounded
 * concurrency per sink and retries of transient failures. Exactly-once in effect: an outcome is
 * recorded durably before it is reported, and a redelivered filing that is recorded is reported
 * again without being written again.
 * @public
 */
export class Engine {
  private readonly limits = new Map<string, LimitFunction>();
  private readonly checks = new Map<string, { access: Promise<TargetAccess>; at: number }>();
  private readonly stopController = new AbortController();
  private readonly keeper: LeaseKeeper;
  /** Memory the spools of the filings in flight share. */
  private readonly spoolMemory: MemoryBudget;
  private readonly formatters: Map<string, Formatter>;
  /** Outcomes finishing together share one durable commit. */
  private readonly outcomes: GroupCommit<{ filingId: string; outcome: TargetOutcome }>;
  /** Reported marks are bookkeeping: many share one (non-syncing) commit. */
  private readonly reportedMarks: GroupCommit<string>;

  constructor(
    private readonly deps: EngineDeps,
    private readonly options: EngineOptions,
  ) {
    this.formatters = new Map(deps.formatters.map((f) => [f.name, f]));
    this.spoolMemory = new MemoryBudget(options.spoolBudgetBytes ?? DEFAULT_SPOOL_BUDGET_BYTES);
    this.outcomes = new GroupCommit((entries) => deps.store.recordOutcomes(entries));
    this.reportedMarks = new GroupCommit((ids) => deps.store.markReported(ids));
    this.keeper = new LeaseKeeper(deps.source, options.connectorId, options.leaseTtlMs, deps.logger, (state) => {
      // A lost lease's reason is a service's error text: shown and stored only with known secrets blanked.
      const s = state.state === 'lost' && deps.secrets ? { ...state, reason: deps.secrets.scrub(state.reason) } : state;
      // Kept in the store so `status` can say who holds the lease without asking for it.
      deps.store.setMeta('lease', JSON.stringify({ ...s, at: new Date().toISOString() }));
      deps.observer?.lease?.(s);
    });
  }

  /** Default connector id: host name and process id. */
  static defaultConnectorId(): string {
    return `filing-sync@${hostname()} (pid ${process.pid})`;
  }

  /**
   * Runs until {@link Engine.stop} (or `once` and the queue is empty). Stands by while another
   * connector holds the tenant lease; re-acquires it if lost. Resolves with the counts of the run.
   * Rejects for non-transient source failures (e.g. the token is refused) and, with `once`, when the tenant lease
   * cannot be asked for (the service unreachable) after the retry policy's attempts.
   */
  async run(options: { once?: boolean } = {}): Promise<DrainSummary> {
    const summary: DrainSummary = { filings: 0, reported: 0, pending: 0, outcomes: { created: 0, identical: 0, renamed: 0, degraded: 0, skipped: 0, failed: 0 } };
    const stop = this.stopController.signal;
    // What a killed run left in the spool is of no use (the store's lock makes this process its only user).
    await rm(this.options.spoolDir, { recursive: true, force: true }).catch(() => {});
    // So is a user's retry it left half done: the target gets back what it was, to be retried again.
    const undone = this.deps.store.restoreInterruptedRetries();
    if (undone > 0) this.deps.logger.warn({ targets: undone }, 'retries cut short by the last stop were undone; retry them again');
    try {
      while (!stop.aborted) {
        let lease: Lease;
        try {
          // A run that is to drain the queue and end gives up on a service it cannot reach, as for other requests,
          // rather than hold the state store (and the next scheduled run) for ever.
          lease = await this.keeper.acquire(stop, options.once ? this.options.retry.maxAttempts : Infinity);
        } catch (err) {
          if (stop.aborted) break;
          throw err;
        }
        if (!this.recovered) {
          this.recovered = true;
          await this.recoverTargets(stop);
        }
        const work = AbortSignal.any([stop, this.keeper.lost]);
        let lost = false;
        try {
          const drained = await this.drain(lease, work, summary, !!options.once);
          if (drained && options.once) break;
        } catch (raw) {
          if (stop.aborted) break;
          // Lease lost mid-drain: in-flight work was abandoned; stand by and take it again.
          if (!work.aborted) {
            const err = this.shown(raw);
            if (err.kind !== 'transient') throw err;
            this.deps.logger.warn({ err: err.message }, 'the filing service is not answering; trying again shortly');
            await sleep(this.options.pollIntervalMs, undefined, { signal: stop }).catch(() => {});
          }
        } finally {
          // Lost, not given back (releasing marks it lost too).
          lost = this.keeper.lost.aborted;
          // A user's retry writes under this lease too: it ends (or is cut off with the rest) before the lease goes.
          await Promise.allSettled(this.retries);
          await this.keeper.release();
        }
        // Not at once: a lease lost soon after every grant (a service refusing renewals) must not become a loop of
        // grants and claims.
        if (lost) await sleep(Math.min(LOST_LEASE_PAUSE_MS, this.options.pollIntervalMs), undefined, { signal: stop }).catch(() => {});
      }
    } finally {
      await this.deps.sinks.dispose();
      await Promise.all(this.deps.formatters.map((f) => f.close?.().catch(() => {})));
    }
    return summary;
  }

  /**
   * Asks the engine to stop: no new polls, in-flight writes get `stopDeadlineMs` to finish, then
   * are aborted (sinks remove their partial files), and the lease is released.
   */
  stop(): void {
    if (this.stopController.signal.aborted) return;
    this.deps.logger.info('stopping: finishing in-flight work');
    this.hardStop = setTimeout(() => this.abortWork.abort(new TransientError('The connector stopped before this was written; it is written after the next start.')), this.options.stopDeadlineMs);
    this.hardStop.unref();
    this.stopController.abort(new Error('stopped'));
  }

  /**
   * A user's retry: writes `filing` again to those of its targets that are pending in the store
   * (put back with {@link StateStore.resetTarget}), then reports it again. The cached access check
   * of its targets is dropped first, because a retry usually follows a fix (permission granted,
   * folder created). Resolves whether the filing was reported. Rejects with {@link LeaseLost} when
   * this connector does not hold the tenant lease (one standing by must not write).
   */
  async retryFiling(filing: Filing): Promise<boolean> {
    if (!this.keeper.current) throw new LeaseLost('This connector does not hold the tenant lease, so it cannot write now.');
    // Being written right now: that run reports it, and a second writer would race it for the names.
    if (this.writing.has(filing.id)) return false;
    for (const target of filing.location.targets) this.checks.delete(target);
    const summary: DrainSummary = { filings: 1, reported: 0, pending: 0, outcomes: { created: 0, identical: 0, renamed: 0, degraded: 0, skipped: 0, failed: 0 } };
    this.writing.add(filing.id);
    const retry = this.processFiling(filing, AbortSignal.any([this.keeper.lost, this.abortWork.signal]), summary).finally(() => {
      this.writing.delete(filing.id);
      this.retries.delete(retry);
    });
    this.retries.add(retry);
    return retry;
  }

  /** Filings being written now (claimed in any batch, or retried by a user), by id. */
  private readonly writing = new Set<string>();
  /** Users' retries under way: the lease is not given back before they end. */
  private readonly retries = new Set<Promise<boolean>>();

  /** The lease for a request to the source. Throws {@link LeaseLost} once it is gone (released or lost). */
  private heldLease(): Lease {
    const lease = this.keeper.current;
    if (!lease) throw new LeaseLost('This connector no longer holds the tenant lease.');
    return lease;
  }

  /** `request` as it is; when the service refuses it for the lease (fenced), writing stops at once. */
  private async fenced<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (err) {
      if (err instanceof LeaseLost) this.keeper.markLost(err.message);
      throw err;
    }
  }

  private recovered = false;

  /**
   * On start, while holding the lease (so no other connector of the tenant writes), lets every
   * target of every location remove what an interrupted run left there, before anything new is
   * written; a target first used later is recovered then. Best effort: failures are only logged.
   */
  private async recoverTargets(signal: AbortSignal): Promise<void> {
    let locations;
    try {
      locations = await this.deps.source.locations(signal);
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'could not list the locations to clean up after an interrupted run; each target is cleaned when first used');
      return;
    }
    const targets = [...new Set(locations.flatMap((l) => l.targets))];
    await Promise.all(targets.map((t) => this.deps.sinks.get(t).catch(() => undefined)));
  }

  private hardStop: NodeJS.Timeout | undefined;
  private readonly abortWork = new AbortController();

  /**
   * Polls and processes until the queue is empty (`once`) or the signal fires. Returns true when drained.
   *
   * Batches overlap: once the last filing of a batch has a slot, the next batch (already claimed by
   * then) queues behind it, so slots freed by a batch's early finishers never wait for its slowest one.
   * Every filing started is finished (or aborted by its signal) before this returns or rejects.
   */
  private async drain(lease: Lease, signal: AbortSignal, summary: DrainSummary, once: boolean): Promise<boolean> {
    const limitFilings = pLimit(this.options.filingConcurrency);
    const seenThisDrain = new Set<string>();
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    /** Waits for every filing started so far; rejects with the first unexpected error of one. */
    const settle = async (): Promise<void> => {
      await Promise.all(inFlight);
      if (failure) throw failure.error;
    };
    let next: Promise<Filing[]> | undefined;
    try {
      while (!signal.aborted) {
        if (failure) throw failure.error;
        const filings = await (next ?? this.claim(lease, signal));
        next = undefined;
        // A filing still being written when its reservation lapsed comes back while in flight: that write reports it.
        // With --once, a filing left pending comes back after its visibility timeout; do not spin on it.
        const fresh = filings.filter((f) => !this.writing.has(f.id) && !(once && seenThisDrain.has(f.id)));
        if (fresh.length === 0) {
          // Filings still being written are not queued any more, but --once must not return before them.
          await settle();
          this.deps.observer?.idle?.();
          if (once && !(await this.othersStillQueued(seenThisDrain, signal))) return true;
          try {
            // A --once drain only waits for reservations to lapse; poll again soon.
            await sleep(once ? Math.min(1000, this.options.pollIntervalMs) : this.options.pollIntervalMs, undefined, { signal });
          } catch {
            return false;
          }
          continue;
        }
        // One transaction notes the whole batch's delivery.
        const begun = this.deps.store.beginFilings(fresh);
        // Writes may outlive a stop request by the deadline; a lost lease stops them at once.
        const writeSignal = AbortSignal.any([this.keeper.lost, this.abortWork.signal]);
        // Every filing of the batch and each of its steps listens to this one signal: many listeners is by design.
        setMaxListeners(16 * this.options.filingConcurrency + 16, writeSignal);
        let started = 0;
        let allStarted!: () => void;
        const lastHasSlot = new Promise<void>((resolve) => (allStarted = resolve));
        for (const filing of fresh) {
          this.writing.add(filing.id);
          const task = limitFilings(async () => {
            if (++started === fresh.length) allStarted();
            // Claim the next batch while this one's last filings are written, so the writers never
            // wait for a claim; claiming earlier would reserve filings long before they are written.
            if (started > fresh.length - this.options.filingConcurrency && !next && !signal.aborted) {
              next = this.claim(lease, signal);
              // Awaited at the top of the loop; until then a failure must not count as unhandled.
              next.catch(() => {});
            }
            // Asked to stop: a filing not started yet stays reserved at the service and comes back later.
            if (signal.aborted) return;
            seenThisDrain.add(filing.id);
            summary.filings++;
            const done = await this.processFiling(filing, writeSignal, summary, begun.get(filing.id));
            if (done) summary.reported++;
            else summary.pending++;
          })
            .catch((error: unknown) => {
              failure ??= { error };
            })
            .finally(() => this.writing.delete(filing.id));
          inFlight.add(task);
          void task.finally(() => inFlight.delete(task));
        }
        await lastHasSlot;
        if (this.keeper.lost.aborted) break;
      }
      await settle();
      if (this.keeper.lost.aborted) throw new LeaseLost();
      return false;
    } finally {
      // A stop or a lost lease ends the loop early: the filings already started still finish or abort here.
      await Promise.all(inFlight);
    }
  }

  /** Claims the next batch (retrying transient failures) and notes when it was asked for. */
  private async claim(lease: Lease, signal: AbortSignal): Promise<Filing[]> {
    const filings = await retrying(() => this.fenced(this.deps.source.poll(this.keeper.current ?? lease, this.options.batchSize, signal)), {
      policy: this.options.retry,
      signal,
    });
    this.deps.store.setMeta('lastPollAt', new Date().toISOString());
    this.deps.observer?.polled?.(filings.length);
    return filings;
  }

  /**
   * Whether the queue still holds filings this drain has not seen: ones a previous (crashed)
   * connector reserved, which come back after their visibility timeout. `--once` waits for them
   * rather than calling a queue empty that is not.
   */
  private async othersStillQueued(seen: ReadonlySet<string>, signal: AbortSignal): Promise<boolean> {
    if (!this.deps.source.pending) return false;
    const queued = await this.deps.source.pending(signal);
    return queued.some((f) => !seen.has(f.id));
  }

  /**
   * Writes one filing to each of its targets that has no final outcome yet, records each outcome,
   * and reports when all are final. Returns whether it was reported.
   */
  private async processFiling(filing: Filing, signal: AbortSignal, summary: DrainSummary, begun?: { deliveries: number }): Promise<boolean> {
    // Made on first use: most filings log nothing, and a child logger costs its bindings' serialisation.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= this.deps.logger.child({ filing: filing.id, location: filing.location.name }));
    const { deliveries } = begun ?? this.deps.store.beginFiling(filing);
    const targets = [...new Set(filing.location.targets)];
    let records = this.deps.store.targets(filing.id).filter((r) => targets.includes(r.target));
    let open = records.filter((r) => r.outcome === null);
    if (open.length > 0) {
      // A message takes its share of the spool's memory before it is fetched, so that fewer large ones
      // run at once rather than spilling to disk. Aborted while waiting, the filing stays pending.
      let reserved = await this.spoolMemory.take(Math.min(filing.message.size ?? 0, DEFAULT_SPOOL_MEMORY_LIMIT), signal).catch(() => undefined);
      if (reserved === undefined) return false;
      let spool: Spool | undefined;
      try {
        let headers: MessageHeaders | undefined;
        try {
          const raw = await retrying(() => this.fenced(this.deps.source.content(this.heldLease(), filing, signal)), { policy: this.options.retry, signal });
          const handedOver = reserved;
          reserved = 0;
          spool = await Spool.fill(this.options.spoolDir, `${filing.id}-${deliveries}`, raw, signal, DEFAULT_SPOOL_MEMORY_LIMIT, this.spoolMemory, handedOver).catch((err: unknown) => {
            // The spool is this machine's disk (full, unwritable): the message is fine, so the filing waits.
            throw err instanceof FilingSyncError ? err : new TransientError(`The message could not be spooled: ${(err as Error).message}`, { cause: err });
          });
          const message = spool.message;
          headers = await readMessageHeaders(message instanceof BufferContent ? [await message.bytes()] : message.open());
        } catch (raw) {
          const err = this.shown(raw);
          // Only the service can say a message is gone for good; an interrupted fetch is simply not done yet.
          if (err.kind === 'permanent' && !signal.aborted) {
            for (const r of open) await this.finish(filing, { target: r.target, outcome: 'failed', reason: err.message }, 0, summary);
          } else {
            for (const r of open) this.deps.store.recordFailure(filing.id, r.target, err.message);
            log().warn({ err: err.message }, 'message content could not be fetched; the filing stays pending');
          }
        }
        if (headers) {
          const renditions = new Map<string, Promise<Rendition>>();
          // Every target runs to its end before the spool goes: one whose outcome could not be recorded must not
          // take the message away from the others.
          const written = await Promise.allSettled(open.map((r) => this.writeTarget(filing, r.target, spool!, headers!, renditions, signal, summary, log)));
          const broken = written.find((w): w is PromiseRejectedResult => w.status === 'rejected');
          if (broken) throw broken.reason;
        }
      } finally {
        if (reserved > 0) this.spoolMemory.give(reserved);
        await spool?.dispose();
      }
      records = this.deps.store.targets(filing.id).filter((r) => targets.includes(r.target));
      open = records.filter((r) => r.outcome === null);
    }
    if (open.length > 0 || signal.aborted) return false;
    const outcomes: TargetOutcome[] = records.map((r) => ({
      target: r.target,
      outcome: r.outcome!,
      ...(r.path === undefined ? {} : { path: r.path }),
      ...(r.bytes === undefined ? {} : { bytes: r.bytes }),
      ...(r.hash && r.hashKind ? { hash: { kind: r.hashKind, value: r.hash } } : {}),
      ...(r.format === undefined ? {} : { format: r.format }),
      ...(r.reason === undefined ? {} : { reason: r.reason }),
    }));
    try {
      await retrying(() => this.fenced(this.deps.source.report(this.heldLease(), filing, outcomes, signal)), { policy: this.options.retry, signal });
      await this.reportedMarks.add(filing.id);
      this.deps.observer?.reported?.(filing);
      return true;
    } catch (raw) {
      const err = this.shown(raw);
      this.deps.store.recordReportError(filing.id, err.message);
      log().warn({ err: err.message }, 'report failed; it is reported again on redelivery');
      return false;
    }
  }

  private async writeTarget(
    filing: Filing,
    target: string,
    spool: Spool,
    headers: MessageHeaders,
    renditions: Map<string, Promise<Rendition>>,
    signal: AbortSignal,
    summary: DrainSummary,
    log: () => Logger,
  ): Promise<void> {
    const started = Date.now();
    let outcome: TargetOutcome;
    try {
      const { sink, factory } = await this.deps.sinks.get(target);
      const limit = this.limitFor(factory);
      outcome = await limit(() =>
        retrying(
          async () => {
            const access = await this.access(target, sink, signal);
            if (access === 'denied') return { target, outcome: 'skipped', reason: `No permission to write to ${sink.displayPath}.` } satisfies TargetOutcome;
            if (access === 'missing') throw new TargetMissing(`The target ${sink.displayPath} does not exist and cannot be created.`);
            const r = await this.render(filing.location.format || (this.options.defaultFormat ?? 'msg'), spool, renditions, signal);
            const input = namingInputFor(filing, headers);
            const name = makeFileName(input, {
              template: this.options.template,
              extension: r.extension,
              rules: sink.capabilities.pathRules,
              folderPathLength: sink.folderPathLength,
            });
            // The file carries the sent time, so server and local copies share one time stamp.
            const sentAt = input.sentAt ?? input.filedAt;
            // Checked here, synchronously: a lost lease must stop a write even when its abort has not fired yet.
            this.keeper.assertHeld();
            const placed = await placeFile(sink, name, r.content, { modifiedAt: sentAt, message: filing.message, signal });
            const hashKind = sink.capabilities.hashKind;
            return {
              target,
              outcome: r.degradedReason ? 'degraded' : placed.outcome,
              path: placed.entry?.path ?? placed.name,
              bytes: r.content.size,
              ...(hashKind ? { hash: { kind: hashKind, value: placed.entry?.hash ?? (await r.content.digest(hashKind)) } } : {}),
              format: r.format,
              ...(r.degradedReason ? { reason: r.degradedReason } : {}),
            } satisfies TargetOutcome;
          },
          {
            policy: this.options.retry,
            signal,
            onRetry: (err, attempt, delay) => {
              log().debug({ target, err: err.message, attempt, delay }, 'retrying');
              this.deps.observer?.retry?.(target, err, attempt, delay);
            },
          },
        ),
      );
      if (outcome.outcome === 'skipped') log().warn({ target, reason: outcome.reason }, 'skipped: no permission');
    } catch (raw) {
      const err = this.shown(raw);
      if (err.kind === 'permission-denied') {
        outcome = { target, outcome: 'skipped', reason: err.message };
        log().warn({ target, reason: err.message }, 'skipped: no permission');
      } else if ((err.kind === 'permanent' || err.kind === 'config') && !signal.aborted) {
        outcome = { target, outcome: 'failed', reason: `${err.message} ${err.action}` };
        log().error({ target, reason: err.message }, 'failed');
      } else {
        // Transient (retries exhausted), auth, target missing, or interrupted by a stop or a lost lease
        // (whatever error that surfaced as): stays pending for a later delivery.
        this.deps.store.recordFailure(filing.id, target, `${err.message} ${err.action}`);
        this.deps.observer?.pending?.(filing, target, err);
        log().warn({ target, err: err.message, kind: err.kind }, 'not written this time; stays pending');
        return;
      }
    }
    // Outside the sink's error handling: an outcome that cannot be recorded is the store's failure, not the target's.
    await this.finish(filing, outcome, Date.now() - started, summary);
  }

  /**
   * `raw` in the taxonomy, with every known secret blanked in its message: the message is recorded in the store,
   * reported to the service and shown to the user, and an SDK may have put a token into it.
   */
  private shown(raw: unknown): FilingSyncError {
    const err = toFilingSyncError(raw);
    const secrets = this.deps.secrets;
    if (secrets && secrets.size > 0) err.message = secrets.scrub(err.message);
    return err;
  }

  private async finish(filing: Filing, outcome: TargetOutcome, ms: number, summary: DrainSummary): Promise<void> {
    await this.outcomes.add({ filingId: filing.id, outcome });
    summary.outcomes[outcome.outcome]++;
    this.deps.observer?.outcome?.(filing, outcome, ms);
  }

  private limitFor(factory: SinkFactory): LimitFunction {
    let limit = this.limits.get(factory.name);
    if (!limit) {
      limit = pLimit(this.options.perSink[factory.name] ?? factory.defaultConcurrency ?? this.options.defaultPerSink);
      this.limits.set(factory.name, limit);
    }
    return limit;
  }

  /**
   * The target's access, checked at most once a minute. Filings that arrive while a check runs share
   * it, so a batch starting on a new target probes it once, not once per filing; a check that fails is
   * forgotten, so the next filing checks again.
   */
  private async access(target: string, sink: Sink, signal: AbortSignal): Promise<TargetAccess> {
    const cached = this.checks.get(target);
    if (cached && Date.now() - cached.at < CHECK_TTL_MS) return cached.access;
    const entry = { access: sink.check(signal), at: Date.now() };
    this.checks.set(target, entry);
    try {
      const access = await entry.access;
      // Valid for a minute from when it was known.
      entry.at = Date.now();
      return access;
    } catch (err) {
      if (this.checks.get(target) === entry) this.checks.delete(target);
      throw err;
    }
  }

  /**
   * Renders once per filing and format. A rendering the message makes impossible degrades to the original
   * `.eml`; one that fails for this machine (see {@link isMachineFailure}) rejects with {@link TransientError}
   * and is rendered again on the next attempt.
   */
  private render(format: string, spool: Spool, renditions: Map<string, Promise<Rendition>>, signal: AbortSignal): Promise<Rendition> {
    let r = renditions.get(format);
    if (!r) {
      r = (async (): Promise<Rendition> => {
        const formatter = this.formatters.get(format);
        const eml = this.formatters.get('eml');
        const original: Rendition = { content: spool.message, extension: eml?.extension ?? '.eml', format: 'eml' };
        if (!formatter) {
          if (format === 'eml') return original;
          return { ...original, degradedReason: `No formatter "${format}" is loaded; filed as .eml.` };
        }
        try {
          // The scratch folder is made only if the formatter looks at it.
          const context = { get scratchDir() { return spool.scratchDir; }, signal };
          const content = await formatter.render(spool.message, context);
          return { content, extension: formatter.extension, format: formatter.name };
        } catch (err) {
          if (signal.aborted) throw err;
          // A full disk or too many open files is this machine's trouble, not the message's: the target waits.
          if (isMachineFailure(err)) {
            throw err instanceof TransientError ? err : new TransientError(`The message could not be converted to ${format} on this machine: ${(err as Error).message}`, { cause: err });
          }
          if (format === 'eml') throw new PermanentError(`The message could not be read: ${(err as Error).message}`);
          return { ...original, degradedReason: `Could not convert to ${format}: ${(err as Error).message}; filed as .eml.` };
        }
      })();
      renditions.set(format, r);
      // A failed rendering is not kept: the next attempt renders again.
      r.catch(() => {
        if (renditions.get(format) === r) renditions.delete(format);
      });
    }
    return r;
  }
}
