import { PermanentError, TransientError, readRange, retrying, type Content, type RetryPolicy } from '@filing-sync/core';
import type { GraphApi } from './graph-api.js';
import { fromGraphError, isGraphStatus } from './graph-errors.js';
import type { DriveItem } from './drive-item.js';

/** Options of {@link uploadBySession}. */
export interface SessionUploadOptions {
  graph: GraphApi;
  /** `/drives/{id}` or `/me/drive`. */
  drivePath: string;
  parentId: string;
  name: string;
  content: Content;
  modifiedAt: Date;
  /** A multiple of 320 KiB. */
  fragmentSize: number;
  /** How the open session is resumed after a failed fragment. */
  retry: RetryPolicy;
  /** Pause before retrying after a 404 on the session. */
  notFoundPauseMs: number;
  /**
   * Looks for the finished file when the session has vanished after our last fragment (its reply
   * was lost but the file was committed): the item if it holds exactly our content.
   */
  findCommitted: () => Promise<DriveItem | undefined>;
  signal?: AbortSignal;
}

/** Result of {@link uploadBySession}: the new item, or nothing written because the name is taken. */
export type SessionUploadResult = { created: true; item: DriveItem } | { created: false };

/** The name was taken when the session committed; nothing to cancel, nothing written. */
class NameTakenAtCommit extends PermanentError {}

/**
 * Uploads `content` through a Graph upload session created by drive-item path, with conflict
 * behaviour `fail` and the file's modified time. Fragments are sent in order; when one fails the
 * session is asked which bytes it still expects (`nextExpectedRanges`) and the upload resumes
 * there, under `retry` and honouring `Retry-After`: a 416 resumes at once, a 404 after a pause, a
 * throttled or failed fragment after the back-off. When the session cannot be finished it is
 * cancelled (`DELETE uploadUrl`) so no partial upload lingers, and the error is rethrown.
 * Resolves `{created: false}` when the name is taken (at creation or at commit; a session refused at
 * commit is cancelled too).
 */
export async function uploadBySession(o: SessionUploadOptions): Promise<SessionUploadResult> {
  const { graph, content, name, signal } = o;
  const size = content.size;
  let uploadUrl: string;
  try {
    const session = (await graph.call(
      `Creating an upload session for "${name}"`,
      (api) =>
        api(`${o.drivePath}/items/${encodeURIComponent(o.parentId)}:/${encodeURIComponent(name)}:/createUploadSession`).post({
          item: {
            '@microsoft.graph.conflictBehavior': 'fail',
            name,
            fileSystemInfo: { lastModifiedDateTime: o.modifiedAt.toISOString() },
          },
        }),
      signal,
      (err) => isGraphStatus(err, 409),
    )) as { uploadUrl: string };
    uploadUrl = session.uploadUrl;
  } catch (err) {
    if (isGraphStatus(err, 409)) return { created: false };
    throw err;
  }

  const expectedOffset = async (): Promise<number | DriveItem> => {
    try {
      const status = (await graph.call(
        `Asking the upload session of "${name}" what it expects`,
        (api) => api(uploadUrl).get(),
        signal,
        (err) => isGraphStatus(err, 404),
      )) as { nextExpectedRanges?: string[] };
      const first = status.nextExpectedRanges?.[0];
      if (first !== undefined) return Number(first.split('-')[0]);
    } catch (err) {
      if (!isGraphStatus(err, 404)) throw err;
    }
    // The session is gone or expects nothing more: perhaps our last fragment did commit.
    const committed = await o.findCommitted();
    if (committed) return committed;
    throw new TransientError(`The upload session of "${name}" is not available`, { retryAfterMs: o.notFoundPauseMs });
  };

  try {
    const item = await retrying(
      async (attempt) => {
        let offset = 0;
        if (attempt > 1) {
          const expected = await expectedOffset();
          if (typeof expected !== 'number') return expected;
          offset = expected;
        }
        for (;;) {
          const end = Math.min(size, offset + o.fragmentSize);
          // A Buffer, never a stream: the SDK would JSON-stringify a stream.
          const bytes = await readRange(content, offset, end, signal);
          const range = `bytes ${offset}-${end - 1}/${size}`;
          let reply: { id?: string; nextExpectedRanges?: string[] } & Partial<DriveItem>;
          try {
            reply = await graph.call(
              `Uploading ${range} of "${name}"`,
              (api) => api(uploadUrl).headers({ 'Content-Range': range, 'Content-Type': 'application/octet-stream' }).put(bytes),
              signal,
              (err) => isGraphStatus(err, 416) || isGraphStatus(err, 404) || isGraphStatus(err, 409),
            );
          } catch (err) {
            if (isGraphStatus(err, 416)) {
              throw new TransientError(`The upload session of "${name}" did not expect ${range}`, { cause: err, retryAfterMs: 0 });
            }
            if (isGraphStatus(err, 404)) {
              throw new TransientError(`The upload session of "${name}" was not found for ${range}`, { cause: err, retryAfterMs: o.notFoundPauseMs });
            }
            if (isGraphStatus(err, 409)) throw new NameTakenAtCommit(`"${name}" was created by someone else during the upload`, { cause: err });
            throw fromGraphError(err, `Uploading ${range} of "${name}"`);
          }
          if (reply?.id) return reply as DriveItem;
          const next = reply?.nextExpectedRanges?.[0];
          offset = next === undefined ? end : Number(next.split('-')[0]);
          if (offset >= size) {
            // Everything sent yet no item: ask the session (or find the committed file).
            const expected = await expectedOffset();
            if (typeof expected !== 'number') return expected;
            offset = expected;
          }
        }
      },
      { policy: o.retry, signal },
    );
    return { created: true, item };
  } catch (err) {
    // Graph keeps a session whose commit it refused, with every byte in it, until the session expires: it is
    // cancelled here in every case, the taken name included.
    await graph.call(`Cancelling the upload session of "${name}"`, (api) => api(uploadUrl).delete()).catch(() => undefined);
    if (err instanceof NameTakenAtCommit) return { created: false };
    throw err;
  }
}
