import type { IncomingMessage, ServerResponse } from 'node:http';

/** The failures a double can inject. */
export type FaultKind = '429' | '503' | 'reset' | 'timeout';

/** How a double misbehaves. */
export interface FaultPlan {
  /** Share of requests that fail, 0 to 1. */
  rate: number;
  /** Which failures to draw from; all by default. */
  kinds?: readonly FaultKind[];
  /** `Retry-After` seconds sent with 429 and 503. */
  retryAfterSeconds?: number;
  /** How long a `timeout` fault holds the request before dropping it, in ms. */
  timeoutMs?: number;
  /** Seed of the pseudo-random draw, so a failing run can be repeated. */
  seed?: number;
  /** Only requests for which this returns true may fail (e.g. to spare the token endpoint). */
  applies?: (req: IncomingMessage) => boolean;
}

/** A fault the test asked for explicitly, for the next matching request. */
export interface ScriptedFault {
  kind: FaultKind;
  /** Only requests whose `METHOD path` matches. */
  match?: RegExp;
  retryAfterSeconds?: number;
}

/** One fault a double injected, for tests that check what the client did next. */
export interface InjectedFault {
  /** Epoch ms when the request arrived. */
  at: number;
  method: string;
  url: string;
  kind: FaultKind;
  /** `Retry-After` sent (429 and 503 only). */
  retryAfterSeconds?: number;
}

/** Writes the service's throttling or unavailability reply; supplied per API. */
export type ErrorReply = (res: ServerResponse, status: 429 | 503, retryAfterSeconds: number) => void;

/**
 * Decides, per request, whether to fail it and how; counts what it injected.
 */
export class FaultInjector {
  private plan: FaultPlan | undefined;
  private readonly scripted: ScriptedFault[] = [];
  private state: number;
  /** Faults injected so far, by kind. */
  readonly injected: Record<FaultKind, number> = { '429': 0, '503': 0, reset: 0, timeout: 0 };
  /** Every fault injected, in order (e.g. to check that retries waited for `Retry-After`). */
  readonly log: InjectedFault[] = [];

  constructor(plan?: FaultPlan) {
    this.plan = plan;
    this.state = (plan?.seed ?? 0x9e3779b9) >>> 0;
  }

  /** Replaces the random plan (or turns it off with `undefined`). */
  setPlan(plan: FaultPlan | undefined): void {
    this.plan = plan;
    if (plan?.seed !== undefined) this.state = plan.seed >>> 0;
  }

  /** Queues one fault for the next request matching `fault.match`. */
  script(fault: ScriptedFault): void {
    this.scripted.push(fault);
  }

  /**
   * Fails the request if the plan says so. Returns true when it did (the handler must stop).
   */
  apply(req: IncomingMessage, res: ServerResponse, reply: ErrorReply): boolean {
    const line = `${req.method} ${req.url}`;
    const idx = this.scripted.findIndex((f) => !f.match || f.match.test(line));
    let kind: FaultKind | undefined;
    let retryAfter = this.plan?.retryAfterSeconds ?? 1;
    if (idx >= 0) {
      const f = this.scripted.splice(idx, 1)[0]!;
      kind = f.kind;
      retryAfter = f.retryAfterSeconds ?? retryAfter;
    } else if (this.plan && this.plan.rate > 0 && (!this.plan.applies || this.plan.applies(req)) && this.random() < this.plan.rate) {
      const kinds = this.plan.kinds ?? ['429', '503', 'reset', 'timeout'];
      kind = kinds[Math.floor(this.random() * kinds.length)]!;
    }
    if (!kind) return false;
    this.injected[kind]++;
    this.log.push({
      at: Date.now(), method: req.method ?? '', url: req.url ?? '', kind,
      ...(kind === '429' || kind === '503' ? { retryAfterSeconds: retryAfter } : {}),
    });
    switch (kind) {
      case '429':
      case '503':
        req.resume();
        reply(res, kind === '429' ? 429 : 503, retryAfter);
        break;
      case 'reset':
        req.socket.destroy();
        break;
      case 'timeout': {
        const t = setTimeout(() => req.socket.destroy(), this.plan?.timeoutMs ?? 5_000);
        req.socket.once('close', () => clearTimeout(t));
        break;
      }
    }
    return true;
  }

  /** mulberry32: small, seedable, good enough to spread faults. */
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
