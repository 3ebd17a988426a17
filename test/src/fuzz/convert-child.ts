/**
 * The fuzzer's child process: converts each message it is sent on its own main thread, as the service
 * host does on two CPUs, and answers what happened. A crash or a hang here is what would take a host
 * down, so the parent watches for both (see `fuzz-msg.ts`).
 */
import 'reflect-metadata';
import { readFile, rm } from 'node:fs/promises';
import MsgReaderPackage from '@kenjiuno/msgreader';
import { BufferContent, FileContent, PermanentError } from '@filing-sync/core';
import { InvalidMessageError, MsgFormatter } from '@filing-sync/formatter-msg';
import { type ConvertAnswer, type ConvertRequest, SCRATCH_ENV, SELFTEST_ENV } from './fuzz-protocol.js';

// The package is CommonJS; its class is the default export's default.
const MsgReader = MsgReaderPackage.default;

async function convert(formatter: MsgFormatter, scratchDir: string, request: ConvertRequest): Promise<ConvertAnswer> {
  const raw = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
  if (process.env[SELFTEST_ENV]) {
    const marker = raw.subarray(0, 40).toString('latin1');
    // The crash comes from a callback, as one from inside the parser's streams would: no caller can catch it.
    if (marker.startsWith('X-Fuzz-Selftest: crash')) {
      setImmediate(() => {
        throw new Error('self-test crash');
      });
      return new Promise<never>(() => undefined);
    }
    if (marker.startsWith('X-Fuzz-Selftest: hang')) for (;;);
  }
  const started = performance.now();
  try {
    const msg = await formatter.render(new BufferContent(raw), { scratchDir });
    const bytes = msg instanceof FileContent ? await readFile(msg.path) : await msg.bytes();
    const ms = performance.now() - started;
    if (msg instanceof FileContent) await rm(msg.path, { force: true });
    const read = new MsgReader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)).getFileData();
    return read.error ? { id: request.id, verdict: 'unreadable', ms, detail: read.error } : { id: request.id, verdict: 'converted', ms };
  } catch (err) {
    const ms = performance.now() - started;
    const detail = `${(err as Error)?.name}: ${(err as Error)?.message}`.slice(0, 500);
    return { id: request.id, verdict: err instanceof InvalidMessageError || err instanceof PermanentError ? 'rejected' : 'unexpected', ms, detail };
  }
}

const formatter = new MsgFormatter({ workers: 0 });
const scratchDir = process.env[SCRATCH_ENV];
if (!scratchDir) throw new Error(`${SCRATCH_ENV}: expected the scratch folder's path`);
process.on('message', (request: ConvertRequest) => {
  void convert(formatter, scratchDir, request).then((answer) => process.send!(answer));
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
