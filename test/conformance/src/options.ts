/**
 * What a plugin's test file hands to {@link runSinkConformance}.
 * @packageDocumentation
 */
import type { Sink } from '@filing-sync/core';

/** What the suite asks {@link SinkConformanceOptions.createTarget} for. */
export interface TargetRequest {
  /**
   * How many folders of the target path do not exist yet: 1 means only the target folder itself is
   * missing, 3 means two parents are missing too. The sink must create them on its first write.
   */
  depth: number;
  /** A short, unique, filesystem-safe label for the test folder (letters, digits and `-`). */
  label: string;
}

/**
 * One test target: a sink bound to a fresh folder, plus the means to look at that folder without
 * going through the sink (a direct read of the disk, an admin API, the double's store).
 * @public
 */
export interface TestTarget {
  /** The sink under test, bound to the target folder. */
  sink: Sink;
  /**
   * Names of the files directly inside the target folder, read without the sink; `[]` when the
   * folder does not exist. Entries the storage keeps for itself (lock databases, access files) are
   * left out.
   */
  list(): Promise<string[]>;
  /** The bytes stored under `name` in the target folder, read without the sink. Rejects when absent. */
  read(name: string): Promise<Buffer>;
  /**
   * The modified time stored for `name`, read without the sink. Optional: without it the suite
   * uses `sink.stat(name).modifiedAt`.
   */
  modifiedAt?(name: string): Promise<Date | undefined>;
  /**
   * Stores a file in the target folder without the sink, as a person or another program would
   * (creating the folder if needed). Optional: without it the checks about files the sink did not
   * write are skipped.
   */
  putExternally?(name: string, bytes: Buffer): Promise<void>;
  /** Removes the target folder with everything in it. Called after each check; never rejects. */
  cleanup(): Promise<void>;
}

/** The failures the suite injects. */
export type FaultKind = '429' | '503' | 'reset' | 'timeout';

/**
 * The part of a fault injector the suite uses. The doubles kit's `FaultInjector` fits it; it is
 * spelled out here so that the suite does not depend on the kit.
 */
export interface FaultInjectorLike {
  /** Fails the next request whose `METHOD path` matches `match` with `kind`. */
  script(fault: { kind: FaultKind; match?: RegExp; retryAfterSeconds?: number }): void;
  /** Sets (or with `undefined` clears) the random plan; the suite uses it for `timeoutMs` only. */
  setPlan(plan: { rate: number; timeoutMs?: number } | undefined): void;
  /** Faults injected so far, by kind. */
  readonly injected: Readonly<Record<FaultKind, number>>;
}

/** How the suite reaches the fault injector in front of the sink's service (see `@filing-sync/doubles`). */
export interface FaultHooks {
  /**
   * The injector of the double (or proxy) every request of the sink passes through. A function,
   * because doubles usually start in `before`, after the suite is registered.
   */
  injector(): FaultInjectorLike;
  /**
   * Matches the `METHOD path` line of the request(s) that carry file bytes (`/^PUT /` for
   * WebDAV, `/content|upload/` for a cloud API). Faults are aimed at those.
   */
  upload: RegExp;
  /**
   * How long a `timeout` fault holds a request before dropping it, in ms (default 3000). Set the
   * sink's own request timeout below this so that the check sees the sink's timeout, not a reset.
   */
  timeoutHoldMs?: number;
}

/**
 * Options of {@link runSinkConformance}: hooks to make sinks against test targets and to look at
 * what they wrote, plus the means to break things on purpose. Every hook but `createTarget` is
 * optional; the checks that need a missing hook are skipped, each with its reason.
 * @public
 */
export interface SinkConformanceOptions {
  /** Shown in the suite's title, e.g. `filesystem`. */
  name: string;
  /** Runs once before all checks (start a server). */
  before?(): Promise<void>;
  /** Runs once after all checks (stop it). */
  after?(): Promise<void>;
  /** A sink bound to a fresh, unique folder that does not exist yet (see {@link TargetRequest}). */
  createTarget(request: TargetRequest): Promise<TestTarget>;
  /**
   * Makes the existing target folder read-only for the sink's account, as an administrator would
   * (ACL, share permission, `chattr +i`; mode bits do not stop root). Without it the
   * permission-denied checks are skipped.
   */
  makeReadOnly?(target: TestTarget): Promise<void>;
  /**
   * A target whose root does not exist (a missing drive, share, site, library or account folder).
   * Without it the missing-target checks are skipped.
   */
  missingTarget?(request: TargetRequest): Promise<TestTarget>;
  /**
   * What the sink does with {@link SinkConformanceOptions.missingTarget}: `reject` (default;
   * `check` says `missing`, writes reject with `TargetMissing`) or `create` (as configured, it
   * creates the folders and writes).
   */
  missingTargetBehaviour?: 'reject' | 'create';
  /**
   * A sink for a valid target whose credentials the service refuses (wrong password, revoked
   * token). Without it the invalid-credential checks are skipped.
   */
  invalidCredentials?(request: TargetRequest): Promise<TestTarget>;
  /** Fault injection in front of the service. Without it the transient-fault checks are skipped. */
  faults?: FaultHooks;
  /**
   * Checks known to fail for this sink, by check id, each with its reason (rclone's per-backend
   * ignore list). They still run: a failure is reported as skipped with the reason, and a pass
   * fails the check so the stale entry gets removed.
   */
  knownFailures?: Readonly<Record<string, string>>;
  /**
   * Checks not to run for this sink, each with its reason: by check id, or by id prefix ending in
   * `*` (`'faults/*'`, `'access/auth-*'`) for a whole family.
   */
  skip?: Readonly<Record<string, string>>;
  /** How far a stored modified time may be from the one asked for, in ms (default 2000: FAT/SMB). */
  modifiedTimePrecisionMs?: number;
  /** Writers in the concurrency checks (default 6). */
  concurrency?: number;
  /** Size of the large-file check when the sink declares no `largeUploadThreshold` (default none: skipped). */
  largeFileSize?: number;
  /** Mocha timeout per check, in ms (default 30000). */
  timeoutMs?: number;
}
