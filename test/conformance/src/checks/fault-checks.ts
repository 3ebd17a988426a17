import { expect } from 'chai';
import { BufferContent, retrying, type RetryPolicy } from '@filing-sync/core';
import type { FaultKind } from '../options.js';
import type { CheckContext, CheckGroup } from '../check.js';
import { expectTaxonomyError } from '../expect-error.js';
import { ProbeContent } from '../probe-content.js';
import { sampleBytes, sampleMessage } from '../sample-bytes.js';
import { SENT_AT, expectStored, listing } from './fixtures.js';
import { largeSize } from './write-checks.js';

const noFaults = 'no faults hook (fault injector in front of the service) was given';
const gateFaults = ({ options }: { options: CheckContext['options'] }): string | undefined => (options.faults ? undefined : noFaults);

/** A quick policy: the checks are about rebuilding the body, not about waiting. */
const QUICK: RetryPolicy = { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 100 };

/**
 * Aims one fault at the next upload request, runs `create`, and asserts the taxonomy error, that the
 * fault really fired, and that no partial file is left.
 */
async function faultedCreate(ctx: CheckContext, kind: FaultKind, retryAfterSeconds?: number) {
  const faults = ctx.options.faults!;
  const target = await ctx.target();
  const before = faults.injector().injected[kind];
  faults.injector().script({ kind, match: faults.upload, retryAfterSeconds });
  const bytes = sampleMessage(`Fault ${kind}`, 40);
  const error = await expectTaxonomyError(
    target.sink.create('Faulted.eml', new BufferContent(bytes), { modifiedAt: SENT_AT }),
    'transient',
    `create() hit by a ${kind} fault`,
  );
  expect(faults.injector().injected[kind] - before, `the ${kind} fault was injected (faults.upload matched a request)`).to.equal(1);
  const names = await listing(target);
  expect(names.filter((n) => n !== 'Faulted.eml'), 'no partial or temporary files left').to.deep.equal([]);
  if (names.includes('Faulted.eml')) await expectStored(target, 'Faulted.eml', bytes);
  return { error, target };
}

/** Throttling, unavailability, resets and timeouts, and how uploads come back from them. */
export const faultChecks: CheckGroup = {
  title: 'transient faults',
  checks: [
    {
      id: 'faults/429-retry-after',
      title: '429 with Retry-After → TransientError carrying retryAfterMs',
      gate: gateFaults,
      async run(ctx) {
        const { error } = await faultedCreate(ctx, '429', 7);
        expect((error as { retryAfterMs?: number }).retryAfterMs, 'retryAfterMs from Retry-After: 7').to.equal(7000);
      },
    },
    {
      id: 'faults/503-retry-after',
      title: '503 with Retry-After → TransientError carrying retryAfterMs',
      gate: gateFaults,
      async run(ctx) {
        const { error } = await faultedCreate(ctx, '503', 3);
        expect((error as { retryAfterMs?: number }).retryAfterMs, 'retryAfterMs from Retry-After: 3').to.equal(3000);
      },
    },
    {
      id: 'faults/reset',
      title: 'a reset connection → TransientError',
      gate: gateFaults,
      async run(ctx) {
        await faultedCreate(ctx, 'reset');
      },
    },
    {
      id: 'faults/timeout',
      title: 'a request that never answers → TransientError',
      gate: gateFaults,
      async run(ctx) {
        const faults = ctx.options.faults!;
        faults.injector().setPlan({ rate: 0, timeoutMs: faults.timeoutHoldMs ?? 3000 });
        try {
          await faultedCreate(ctx, 'timeout');
        } finally {
          faults.injector().setPlan(undefined);
        }
      },
    },
    {
      id: 'faults/recovers',
      title: 'after a fault the same sink checks and writes normally',
      gate: gateFaults,
      async run(ctx) {
        const { target } = await faultedCreate(ctx, 'reset');
        expect(await target.sink.check()).to.equal('writable');
        const bytes = sampleMessage('After', 41);
        const result = await target.sink.create('After.eml', new BufferContent(bytes), { modifiedAt: SENT_AT });
        expect(result.created).to.equal(true);
        await expectStored(target, 'After.eml', bytes);
      },
    },
    {
      id: 'faults/retry-rebuilds-body',
      title: 'a retried upload re-opens its content: the file is whole, never 0 bytes',
      gate: gateFaults,
      async run(ctx) {
        const faults = ctx.options.faults!;
        const target = await ctx.target();
        const content = new ProbeContent(sampleMessage('Retried', 42));
        faults.injector().script({ kind: 'reset', match: faults.upload });
        let attempts = 0;
        const result = await retrying(
          () => {
            attempts++;
            return target.sink.create('Retried.eml', content, { modifiedAt: SENT_AT });
          },
          { policy: QUICK },
        );
        expect(attempts, 'attempts (the first one was reset)').to.be.at.least(2);
        expect(result.created, 'the retry created the file').to.equal(true);
        await expectStored(target, 'Retried.eml', content.buffer);
        expect(await listing(target)).to.deep.equal(['Retried.eml']);
      },
    },
    {
      id: 'faults/large-retry',
      title: 'a large (chunked/streamed) upload hit by a fault completes whole on retry',
      gate: (env) =>
        gateFaults(env) ?? (env.capabilities.largeUploadThreshold === undefined ? 'the sink declares no largeUploadThreshold' : undefined),
      async run(ctx) {
        const faults = ctx.options.faults!;
        const target = await ctx.target();
        const content = new ProbeContent(sampleBytes(largeSize(ctx.capabilities.largeUploadThreshold!), 43));
        const before = faults.injector().injected['503'];
        faults.injector().script({ kind: '503', match: faults.upload, retryAfterSeconds: 0 });
        const result = await retrying(() => target.sink.create('Large retried.eml', content, { modifiedAt: SENT_AT }), { policy: QUICK });
        expect(faults.injector().injected['503'] - before, 'the fault was injected').to.equal(1);
        expect(result.created).to.equal(true);
        await expectStored(target, 'Large retried.eml', content.buffer);
        expect(await listing(target)).to.deep.equal(['Large retried.eml']);
      },
    },
  ],
};
