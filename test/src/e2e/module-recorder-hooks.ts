/**
 * Module customization hooks (see {@link ./module-recorder.ts}): appends the URL of every module
 * the process loads, one a line, to the file named by `FILING_SYNC_TEST_MODULE_LOG`.
 */
import { appendFileSync } from 'node:fs';

type LoadResult = { format?: string | null; source?: unknown; shortCircuit?: boolean };
type NextLoad = (url: string, context: object) => Promise<LoadResult>;

/** Records `url`, then loads it as Node would. */
export async function load(url: string, context: object, nextLoad: NextLoad): Promise<LoadResult> {
  const log = process.env['FILING_SYNC_TEST_MODULE_LOG'];
  if (log) appendFileSync(log, `${url}\n`);
  return nextLoad(url, context);
}
