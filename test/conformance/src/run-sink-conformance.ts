/**
 * The one call a sink plugin's test file makes: registers the conformance checks with mocha.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { SinkCapabilities } from '@filing-sync/core';
import { CheckSkipped, type CheckContext, type CheckGroup, type ConformanceCheck } from './check.js';
import { CHECK_GROUPS } from './checks/index.js';
import type { SinkConformanceOptions, TargetRequest, TestTarget } from './options.js';

/** One check that did not run, and why. */
export interface SkippedCheck {
  id: string;
  reason: string;
}

/**
 * Registers the sink conformance suite with mocha: one `describe` per group, one `it` per check,
 * titled with the check id. Checks that do not apply to the sink (by its capabilities or missing
 * hooks), or that `skip` lists, are skipped with the reason in their title and in a summary
 * printed after the suite. Call it at the top level of a mocha test file.
 * @public
 */
export function runSinkConformance(options: SinkConformanceOptions): void {
  if (typeof options.createTarget !== 'function') throw new TypeError('runSinkConformance: options.createTarget must be a function');
  for (const id of Object.keys(options.knownFailures ?? {})) {
    if (!ALL_IDS.has(id)) throw new TypeError(`runSinkConformance: unknown check id "${id}" in knownFailures; see listConformanceChecks()`);
  }
  for (const key of Object.keys(options.skip ?? {})) {
    if (![...ALL_IDS].some((id) => matchesSkipKey(id, key))) {
      throw new TypeError(`runSinkConformance: "${key}" in skip matches no check id; see listConformanceChecks()`);
    }
  }
  let capabilities: SinkCapabilities | undefined;
  const skipped: SkippedCheck[] = [];
  let sequence = 0;
  const runTag = randomBytes(3).toString('hex');

  describe(`sink conformance: ${options.name}`, function () {
    this.timeout(options.timeoutMs ?? 30_000);

    before(async function () {
      await options.before?.();
      const probe = await options.createTarget({ depth: 1, label: `probe-${runTag}` });
      try {
        capabilities = probe.sink.capabilities;
      } finally {
        await probe.sink.dispose?.();
        await probe.cleanup();
      }
    });

    after(async function () {
      if (skipped.length > 0) {
        const lines = skipped.map((s) => `    - ${s.id}: ${s.reason}`);
        console.log(`\n  ${options.name}: ${skipped.length} conformance check(s) skipped:\n${lines.join('\n')}\n`);
      }
      await options.after?.();
    });

    for (const group of CHECK_GROUPS) {
      describe(group.title, function () {
        for (const check of group.checks) {
          it(`${check.title} [${check.id}]`, async function () {
            const caps = capabilities;
            if (!caps) throw new Error('the probe target could not be created; see the before-all hook');
            const reason = skipReason(options.skip, check.id) ?? check.gate?.({ options, capabilities: caps });
            if (reason !== undefined) {
              skipped.push({ id: check.id, reason });
              this.test!.title += ` (skipped: ${reason})`;
              this.skip();
            }
            const known = options.knownFailures?.[check.id];
            try {
              await runOne(check, options, caps, () => `${slug(check.id)}-${runTag}-${++sequence}`);
            } catch (err) {
              if (err instanceof CheckSkipped) {
                skipped.push({ id: check.id, reason: err.reason });
                this.test!.title += ` (skipped: ${err.reason})`;
                this.skip();
              }
              if (known === undefined) throw err;
              skipped.push({ id: check.id, reason: `known failure: ${known}` });
              this.test!.title += ` (known failure: ${known})`;
              this.skip();
            }
            if (known !== undefined) {
              throw new Error(`${check.id} is listed in knownFailures ("${known}") but passes: remove it from the list`);
            }
          });
        }
      });
    }
  });
}

async function runOne(check: ConformanceCheck, options: SinkConformanceOptions, capabilities: SinkCapabilities, label: () => string): Promise<void> {
  const targets: TestTarget[] = [];
  const track = (t: TestTarget): TestTarget => {
    targets.push(t);
    return t;
  };
  const ctx: CheckContext = {
    options,
    capabilities,
    label,
    track,
    skip(reason: string): never {
      throw new CheckSkipped(reason);
    },
    async target(request?: Partial<Pick<TargetRequest, 'depth'>>) {
      return track(await options.createTarget({ depth: request?.depth ?? 1, label: label() }));
    },
  };
  try {
    await check.run(ctx);
  } finally {
    for (const t of targets) {
      await t.sink.dispose?.().catch(() => undefined);
      await t.cleanup().catch(() => undefined);
    }
  }
}

/** A skip key is a check id, or an id prefix ending in `*`. */
function matchesSkipKey(id: string, key: string): boolean {
  return key.endsWith('*') ? id.startsWith(key.slice(0, -1)) : id === key;
}

function skipReason(skip: SinkConformanceOptions['skip'], id: string): string | undefined {
  for (const [key, reason] of Object.entries(skip ?? {})) if (matchesSkipKey(id, key)) return reason;
  return undefined;
}

function slug(id: string): string {
  return id.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
}

const ALL_IDS = new Set(CHECK_GROUPS.flatMap((g) => g.checks.map((c) => c.id)));

/**
 * Every check of the suite, in order, with its group: for documentation, and to validate the ids
 * a plugin lists in `knownFailures` or `skip`.
 * @public
 */
export function listConformanceChecks(): Array<{ id: string; title: string; group: string }> {
  return CHECK_GROUPS.flatMap((g: CheckGroup) => g.checks.map((c) => ({ id: c.id, title: c.title, group: g.title })));
}
