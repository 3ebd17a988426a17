import { expect } from 'chai';
import { LeaseLost } from './contracts/lease.js';
import { AuthError, TransientError } from './errors.js';
import { backoffDelay, retrying, type RetryPolicy } from './retry.js';

describe('retry policy', () => {
  const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 350 };

  it('backs off exponentially with full jitter, capped, and never sooner than Retry-After', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(policy, a, undefined, () => 0.999))).to.deep.equal([99, 199, 349, 349]);
    expect(backoffDelay(policy, 3, undefined, () => 0)).to.equal(0);
    // The service's wait wins even above the cap.
    expect(backoffDelay(policy, 1, 2_000, () => 0.5)).to.equal(2_000);
    expect(backoffDelay(policy, 3, 10, () => 0.5)).to.equal(175);
  });

  it('retries transient failures up to the limit, and nothing else', async () => {
    let calls = 0;
    const retries: number[] = [];
    const quick: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
    const result = await retrying(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new TransientError('busy', { retryAfterMs: 5 });
        return 'done';
      },
      { policy: quick, onRetry: (_e, attempt, delay) => retries.push(attempt, delay) },
    );
    expect(result).to.equal('done');
    expect(retries).to.deep.equal([1, 5, 2, 5]);
    calls = 0;
    const auth = await retrying(async () => { calls++; throw new AuthError('refused'); }, { policy: quick }).catch((e: unknown) => e);
    expect(auth).to.be.instanceOf(AuthError);
    expect(calls).to.equal(1);
    calls = 0;
    const exhausted = await retrying(async () => { calls++; throw Object.assign(new Error('reset'), { code: 'ECONNRESET' }); }, { policy: quick }).catch((e: unknown) => e);
    expect(exhausted).to.be.instanceOf(TransientError);
    expect(calls).to.equal(3);
  });

  it('does not retry a request the service refused for a lost lease, although LeaseLost is transient', async () => {
    let calls = 0;
    const lost = await retrying(async () => { calls++; throw new LeaseLost('fenced'); }, { policy: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 1 } }).catch((e: unknown) => e);
    expect(lost).to.be.instanceOf(LeaseLost);
    expect(calls).to.equal(1);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const pending = retrying(async () => { throw new TransientError('busy', { retryAfterMs: 60_000 }); }, { policy, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stopping')), 10);
    const err = await pending.catch((e: unknown) => e);
    expect((err as Error).name).to.equal('AbortError');
    expect(controller.signal.aborted).to.equal(true);
  });
});
