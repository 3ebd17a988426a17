import { SingleBar, Presets } from 'cli-progress';
import type { EngineObserver, Logger, TargetOutcome } from '@filing-sync/core';

/** Options of {@link DrainProgress}. */
export interface DrainProgressOptions {
  /** Draw a progress bar on this terminal stream; without one, summary lines go to the log. */
  tty?: NodeJS.WriteStream | undefined;
  logger: Logger;
  /** Between two summary lines in the log. */
  intervalMs: number;
}

/**
 * Shows how a drain is going: a progress bar on a terminal (filings done of filings received so
 * far: the service does not say how many are queued), or a summary line in the log every
 * `intervalMs` while anything happened since the last one.
 * @public
 */
export class DrainProgress {
  private received = 0;
  private reported = 0;
  private readonly leftPending = new Set<string>();
  private readonly outcomes: Record<TargetOutcome['outcome'], number> = { created: 0, identical: 0, renamed: 0, degraded: 0, skipped: 0, failed: 0 };
  private bar: SingleBar | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastLogged = '';
  private readonly started = Date.now();

  constructor(private readonly options: DrainProgressOptions) {}

  /** Starts the bar or the summary timer. */
  start(): void {
    if (this.options.tty) {
      this.bar = new SingleBar(
        {
          stream: this.options.tty,
          format: 'Filing [{bar}] {value}/{total} filings | {created} created, {identical} identical, {renamed} renamed, {skipped} skipped, {failed} failed | {pending} pending',
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
        },
        Presets.shades_classic,
      );
      this.bar.start(0, 0, this.payload());
    } else {
      this.timer = setInterval(() => this.logSummary(), this.options.intervalMs);
      this.timer.unref();
    }
  }

  /** Stops the bar (leaving its last state on screen) or the timer, logging a last summary. */
  stop(): void {
    if (this.bar) {
      this.bar.update(this.done(), this.payload());
      this.bar.stop();
      this.bar = undefined;
    }
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.logSummary();
    }
  }

  /** The observer feeding it. */
  observer(): EngineObserver {
    return {
      polled: (n) => {
        this.received += n;
        this.bar?.setTotal(this.received);
      },
      outcome: (_f, o) => {
        this.outcomes[o.outcome]++;
        this.bar?.update(this.done(), this.payload());
      },
      pending: (f) => {
        this.leftPending.add(f.id);
        this.bar?.update(this.done(), this.payload());
      },
      reported: () => {
        this.reported++;
        this.bar?.update(this.done(), this.payload());
      },
    };
  }

  /** Writes one summary line to the log when something changed since the last one. */
  logSummary(): void {
    const line = JSON.stringify([this.received, this.reported, this.leftPending.size, this.outcomes]);
    if (line === this.lastLogged) return;
    this.lastLogged = line;
    const seconds = Math.max(1, (Date.now() - this.started) / 1000);
    this.options.logger.info(
      { received: this.received, reported: this.reported, pending: this.leftPending.size, outcomes: { ...this.outcomes }, perMinute: Math.round((this.reported / seconds) * 60) },
      `progress: ${this.reported} of ${this.received} filing(s) reported, ${this.leftPending.size} pending`,
    );
  }

  private done(): number {
    return this.reported + this.leftPending.size;
  }

  private payload(): Record<string, number> {
    return { ...this.outcomes, pending: this.leftPending.size };
  }
}
