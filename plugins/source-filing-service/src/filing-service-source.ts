/**
 * The {@link Source} over the Filing Service API (see `openapi.yaml` in this package).
 * @packageDocumentation
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import {
  type Filing,
  GroupCommit,
  type ItemResult,
  type Lease,
  LeaseHeld,
  LeaseLost,
  type Location,
  type Logger,
  PermanentError,
  type QueuedFiling,
  type SecretRegistry,
  type Source,
  type TargetOutcome,
  TransientError,
  untilAborted,
} from '@filing-sync/core';
import type { ResolvedFilingServiceConfig } from './config.js';
import { apiError, type Failure, FilingServiceHttp } from './http-client.js';
import { CLAIM_ACCEPT, readClaimAnswer } from './claim-answer.js';
import { WireError, idOf, readFiling, readLease, readLeaseInfo, readLocation, readPage, readReportResults } from './wire.js';

/** Reports sent in one request at most (the API allows 500). */
export const REPORTS_PER_REQUEST = 100;

/** A report waiting to be sent. */
interface QueuedReport {
  lease: Lease;
  filing: Filing;
  outcomes: TargetOutcome[];
}

/** A filing waiting at the service, as `pending()` lists it. @public */
export type PendingFiling = QueuedFiling;

/**
 * A {@link Source} that drains one tenant's queue at a filing service over HTTP(S).
 *
 * Every request carries the bearer token, has a timeout, and is retried on 429, 5xx and network
 * failures (waiting at least `Retry-After`); the engine sees only the last failure. Claims and
 * reports carry the lease id, so a connector that lost its lease is refused ({@link LeaseLost}).
 * @public
 */
export class FilingServiceSource implements Source {
  private readonly http: FilingServiceHttp;
  private readonly logger: Logger;

  /** @param secrets - where the token read from `tokenFile` is registered, so that logs blank it. */
  constructor(
    private readonly config: ResolvedFilingServiceConfig,
    logger: Logger,
    secrets?: SecretRegistry,
  ) {
    this.logger = logger.child({ source: 'filing-service', tenant: config.tenant });
    this.http = new FilingServiceHttp(config, this.logger, secrets);
  }

  /** The tenant this source serves. */
  get tenant(): string {
    return this.config.tenant;
  }

  /** See {@link Source.acquireLease}. Rejects with {@link LeaseHeld} naming the holder and expiry. */
  async acquireLease(holder: string, ttlMs: number, signal?: AbortSignal): Promise<Lease> {
    const res = await this.http.send(
      {
        op: 'lease acquire',
        method: 'POST',
        path: '/lease',
        body: { holder, ttlSeconds: ttlMs / 1000 },
        refine: (f) => {
          if (f.response?.status !== 409) return undefined;
          const details = apiError(f).details ?? {};
          const expiresAt = new Date(String(details.expiresAt));
          return new LeaseHeld(String(details.holder ?? 'another connector'), Number.isNaN(expiresAt.getTime()) ? new Date(Date.now() + ttlMs) : expiresAt);
        },
      },
      signal,
    );
    return this.read('lease acquire', () => readLease(res.data));
  }

  /** See {@link Source.renewLease}. */
  async renewLease(lease: Lease, ttlMs: number, signal?: AbortSignal): Promise<Lease> {
    const res = await this.http.send(
      { op: 'lease renew', method: 'PUT', path: `/lease/${encodeURIComponent(lease.id)}`, body: { ttlSeconds: ttlMs / 1000 }, refine: leaseLost },
      signal,
    );
    return this.read('lease renew', () => readLease(res.data));
  }

  /** See {@link Source.releaseLease}. */
  async releaseLease(lease: Lease, signal?: AbortSignal): Promise<void> {
    await this.http.send(
      {
        op: 'lease release',
        method: 'DELETE',
        path: `/lease/${encodeURIComponent(lease.id)}`,
        // A lease that is already gone is released.
        refine: (f) => (f.response?.status === 409 || f.response?.status === 410 ? ALREADY_GONE : undefined),
      },
      signal,
    ).catch((err: unknown) => {
      if (err !== ALREADY_GONE) throw err;
    });
  }

  /**
   * See {@link Source.poll}. A filing the service describes wrongly is left out (and logged with its
   * id): it stays queued at the service, and the others are not held up by it.
   */
  async poll(lease: Lease, max: number, signal?: AbortSignal): Promise<Filing[]> {
    const inlineContentMaxBytes = this.config.inlineContentMaxBytes;
    const inline = inlineContentMaxBytes > 0;
    const res = await this.http.send<Readable>(
      {
        op: 'claim',
        method: 'POST',
        path: '/claims',
        body: { leaseId: lease.id, max, ...(inline ? { inlineContentMaxBytes } : {}) },
        // Inline messages come as raw bytes where the service can: no base64 to decode, a quarter fewer bytes. They
        // are parsed as they arrive, so the answer (up to 8 MiB) is never held, or copied, whole.
        ...(inline ? { accept: CLAIM_ACCEPT, stream: true } : {}),
        refine: leaseLost,
      },
      signal,
    );
    if (inline) this.failWhenStalled(res, `Filing service claim stalled for ${this.config.timeoutMs} ms.`);
    const { page, contents, unusable } = inline
      ? await readClaimAnswer(res.data, String(res.headers['content-type'] ?? ''), inlineContentMaxBytes).catch((err: unknown) => {
          // Most often an answer cut off on its way. Its filings stay reserved and come back; ending the connector
          // over it would stop the whole tenant's filing.
          if (err instanceof WireError) throw new TransientError(`Filing service claim: unreadable reply: ${err.message}.`, { cause: err });
          throw err;
        })
      : { page: res.data as unknown, contents: new Map<number, Buffer>(), unusable: new Map<number, WireError>() };
    const { items } = this.read('claim', () => readPage(page));
    // The engine claims the next batch while it finishes this one; anything older is of no use.
    const claim = ++this.claims;
    for (const [id, held] of this.inline) if (held.claim < claim - 1) this.inline.delete(id);
    const filings: Filing[] = [];
    items.forEach((item, i) => {
      const filing = this.filing('claim', item, i);
      if (!filing) return;
      filings.push(filing);
      const bytes = contents.get(i);
      if (bytes) this.inline.set(filing.id, { bytes, claim });
      const problem = unusable.get(i);
      if (problem) this.logger.warn({ filing: filing.id, problem: problem.message }, 'the message sent with the claim cannot be used; it is fetched on its own');
    });
    return filings;
  }

  /** Messages that came with the last two claims, by filing id; each is handed out once. */
  private readonly inline = new Map<string, { bytes: Buffer; claim: number }>();
  private claims = 0;

  /** See {@link Source.content}. The bytes stream as they arrive; nothing is buffered. */
  async content(_lease: Lease, filing: Filing, signal?: AbortSignal): Promise<Readable> {
    signal?.throwIfAborted();
    const inline = this.inline.get(filing.id);
    if (inline) {
      this.inline.delete(filing.id);
      return Readable.from([inline.bytes]);
    }
    const res = await this.http.send<Readable>(
      {
        op: 'content',
        method: 'GET',
        path: `/filings/${encodeURIComponent(filing.id)}/content`,
        stream: true,
        refine: (f) => (f.response?.status === 404 && apiError(f).code !== 'tenant_not_found' ? gone(filing, f) : undefined),
      },
      signal,
    );
    this.failWhenStalled(res, `Filing service content of ${filing.id} stalled for ${this.config.timeoutMs} ms.`);
    return res.data;
  }

  /**
   * Makes a streamed answer's body fail with {@link TransientError} (`message`) when it pauses for longer
   * than the request timeout, rather than hang. The timer goes on the HTTP response itself, because a
   * compressed body arrives as the decompressor reading from it.
   */
  private failWhenStalled(res: { data: Readable; request?: unknown }, message: string): void {
    const stream = res.data;
    const response = (res.request as { res?: IncomingMessage } | undefined)?.res ?? (stream as Partial<IncomingMessage>);
    response.setTimeout?.(this.config.timeoutMs, () => stream.destroy(new TransientError(message)));
  }

  /**
   * See {@link Source.report}. Reports made while another is on its way go out together in one
   * request (`POST /outcomes`, at most {@link REPORTS_PER_REQUEST}), so a busy connector sends a
   * fraction of the requests; a lone report goes out at once. Rejects with {@link LeaseLost} for a
   * stale lease, {@link PermanentError} when the service no longer has the filing or refuses the
   * report, and with the signal's reason when aborted (the report may still reach the service).
   */
  async report(lease: Lease, filing: Filing, outcomes: TargetOutcome[], signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return untilAborted(this.reports.add({ lease, filing, outcomes }), signal);
  }

  private readonly reports = new GroupCommit<QueuedReport>((items) => this.sendReports(items), { maxBatch: REPORTS_PER_REQUEST });

  /** One request for `items` (per lease id: normally one), one result per item. */
  private async sendReports(items: QueuedReport[]): Promise<ItemResult<void>[]> {
    const results = new Map<QueuedReport, ItemResult<void>>();
    for (const leaseId of new Set(items.map((i) => i.lease.id))) {
      const group = items.filter((i) => i.lease.id === leaseId);
      try {
        const res = await this.http.send({
          op: 'report',
          method: 'POST',
          path: '/outcomes',
          body: { leaseId, reports: group.map((i) => ({ filingId: i.filing.id, outcomes: i.outcomes.map(wireOutcome) })) },
          refine: leaseLost,
        });
        const answers = this.read('report', () => readReportResults(res.data, group.map((i) => i.filing.id)));
        group.forEach((item, n) => {
          const error = answers[n]!.error;
          if (!error) return results.set(item, { ok: true, value: undefined });
          const failure: Failure = { message: error.message ?? error.code ?? 'refused', response: { status: 200, headers: {}, data: { error } } };
          results.set(item, {
            ok: false,
            error: error.code === 'filing_not_found'
              ? gone(item.filing, failure)
              : new PermanentError(`The filing service refused the report of filing ${item.filing.id}: ${error.message ?? error.code}.`),
          });
        });
      } catch (err) {
        for (const item of group) results.set(item, { ok: false, error: err });
      }
    }
    return items.map((i) => results.get(i)!);
  }

  /** See {@link Source.locations}: every page. */
  async locations(signal?: AbortSignal): Promise<Location[]> {
    const items = await this.all('locations', '/locations', signal);
    return items.map((item, i) => this.read('locations', () => readLocation(item, `items[${i}]`)));
  }

  /** See {@link Source.serverTime}: the `Date` header of a cheap request. */
  async serverTime(signal?: AbortSignal): Promise<Date> {
    const res = await this.http.send({ op: 'lease info', method: 'GET', path: '/lease' }, signal);
    const date = new Date(String(res.headers['date']));
    if (Number.isNaN(date.getTime())) throw new PermanentError('The filing service sent no usable Date header.');
    return date;
  }

  /**
   * Every filing still queued (pending or claimed), oldest first, without reserving any: for
   * `status` and diagnostics. Rejects like {@link Source.locations}.
   */
  async pending(signal?: AbortSignal): Promise<PendingFiling[]> {
    const items = await this.all('pending', '/filings', signal);
    const out: PendingFiling[] = [];
    for (const [i, item] of items.entries()) {
      const [filing] = this.filings('pending', [item], i);
      if (!filing) continue;
      const o = item as { state?: unknown; deliveries?: unknown };
      out.push({ ...filing, state: typeof o.state === 'string' ? o.state : 'pending', deliveries: typeof o.deliveries === 'number' ? o.deliveries : 0 });
    }
    return out;
  }

  /** Who holds the tenant lease now, or `undefined` when nobody does. Rejects like {@link Source.locations}. */
  async leaseHolder(signal?: AbortSignal): Promise<{ holder: string; expiresAt: Date } | undefined> {
    const res = await this.http.send({ op: 'lease info', method: 'GET', path: '/lease' }, signal);
    if (res.status === 204) return undefined;
    return this.read('lease info', () => readLeaseInfo(res.data));
  }

  /** Follows `nextCursor` to the end. */
  private async all(op: string, path: string, signal?: AbortSignal): Promise<unknown[]> {
    const items: unknown[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const res = await this.http.send({ op, method: 'GET', path, query: { limit: this.config.pageSize, cursor } }, signal);
      const page = this.read(op, () => readPage(res.data));
      items.push(...page.items);
      if (!page.nextCursor) return items;
      if (seen.has(page.nextCursor)) throw new PermanentError(`Filing service ${op}: the service sent the same page cursor twice.`);
      seen.add(page.nextCursor);
      cursor = page.nextCursor;
    }
  }

  /** Reads filings, leaving out (and logging) those the service describes wrongly. */
  private filings(op: string, items: unknown[], offset = 0): Filing[] {
    const out: Filing[] = [];
    items.forEach((item, i) => {
      const filing = this.filing(op, item, i + offset);
      if (filing) out.push(filing);
    });
    return out;
  }

  /** `items[index]` as a filing, or `undefined` (logged) when it does not match the API. */
  private filing(op: string, item: unknown, index: number): Filing | undefined {
    try {
      return readFiling(item, `items[${index}]`);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.logger.error({ op, filing: idOf(item), problem: err.message }, 'filing service sent a filing that cannot be used; it stays queued');
      return undefined;
    }
  }

  /** Parses a reply, turning a mismatch with the API into a {@link PermanentError}. */
  private read<T>(op: string, parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      throw unexpectedReply(op, err);
    }
  }
}

/** A {@link WireError} as the {@link PermanentError} it means for `op`; other errors unchanged. */
function unexpectedReply(op: string, err: unknown): unknown {
  return err instanceof WireError ? new PermanentError(`Filing service ${op}: unexpected reply: ${err.message}.`, { cause: err }) : err;
}

/** Marker for a release of a lease that is already gone. */
const ALREADY_GONE = new PermanentError('lease already gone');

/** 409 on a fenced operation: our lease is not the current one. */
function leaseLost(f: Failure): LeaseLost | undefined {
  if (f.response?.status !== 409) return undefined;
  return new LeaseLost(`The tenant lease was lost${apiError(f).message ? `: ${apiError(f).message}` : '.'}`);
}

function gone(filing: Filing, f: Failure): PermanentError {
  return new PermanentError(`The filing service no longer has filing ${filing.id}${apiError(f).message ? ` (${apiError(f).message})` : ''}.`, {
    cause: f,
  });
}

/** The API's `TargetOutcome`: only the documented fields. */
function wireOutcome(o: TargetOutcome): Record<string, unknown> {
  return {
    target: o.target,
    outcome: o.outcome,
    ...(o.path !== undefined ? { path: o.path } : {}),
    ...(o.bytes !== undefined ? { bytes: o.bytes } : {}),
    ...(o.hash !== undefined ? { hash: { kind: o.hash.kind, value: o.hash.value } } : {}),
    ...(o.format !== undefined ? { format: o.format } : {}),
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
  };
}
