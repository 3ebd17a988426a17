/**
 * The shape of one conformance check and what it gets to work with.
 * @packageDocumentation
 */
import type { SinkCapabilities } from '@filing-sync/core';
import type { SinkConformanceOptions, TargetRequest, TestTarget } from './options.js';

/** What a check's gate sees: enough to decide whether the check applies to this sink. */
export interface CheckEnvironment {
  options: SinkConformanceOptions;
  /** The sink's declared capabilities (read from a probe target before the first check). */
  capabilities: SinkCapabilities;
}

/** What a running check gets. */
export interface CheckContext extends CheckEnvironment {
  /** A fresh target (depth 1 by default), cleaned up after the check. */
  target(request?: Partial<Pick<TargetRequest, 'depth'>>): Promise<TestTarget>;
  /** Wraps a target made by another hook so that it is cleaned up after the check too. */
  track(target: TestTarget): TestTarget;
  /** A unique label for hooks that take a {@link TargetRequest}. */
  label(): string;
  /**
   * Ends the check as skipped with `reason`, for what only the sink instance reveals (an optional
   * member it lacks). Throws; use as `return ctx.skip('…')`.
   */
  skip(reason: string): never;
}

/** Thrown by {@link CheckContext.skip}; the runner turns it into a listed skip. */
export class CheckSkipped extends Error {
  constructor(readonly reason: string) {
    super(`skipped: ${reason}`);
  }
}

/**
 * One check. `gate` returns the reason the check does not apply to this sink (it is then skipped
 * and the reason listed), or `undefined` when it applies.
 */
export interface ConformanceCheck {
  /** Stable id, e.g. `write/read-back`; the key of `knownFailures` and `skip`. */
  id: string;
  /** One line: the behaviour the check requires. */
  title: string;
  gate?(env: CheckEnvironment): string | undefined;
  run(ctx: CheckContext): Promise<void>;
}

/** A titled group of checks (one mocha `describe`). */
export interface CheckGroup {
  title: string;
  checks: readonly ConformanceCheck[];
}
