/**
 * A mutation fuzzer for the MSG formatter. On two CPUs the service host converts on its main thread,
 * where an exception thrown inside the parser's own callbacks would end the process and a loop that
 * never yields would stop it. This feeds mutated real messages to a child process that converts them
 * the same way, and records every crash, hang, untyped error and .msg that does not read back.
 *
 * `npm run fuzz:msg -- --seconds 600 --seed 7 --findings DIR` runs it by hand; the fault suite runs a
 * short, seeded round (`test/src/faults/msg-fuzz.fault.ts`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { seeded } from '../faults/fault-support.js';
import { hostileMessages } from '../faults/hostile-mime.js';
import { type ConvertAnswer, type ConvertRequest, SCRATCH_ENV } from './fuzz-protocol.js';
import { mutateMessage } from './mime-mutator.js';

/** One problem found, with the input that caused it. */
export interface FuzzFinding {
  kind: 'crash' | 'hang' | 'unexpected' | 'unreadable';
  /** The input's number in this run. */
  input: number;
  /** The first 12 hex digits of the input's SHA-1, which also names its saved copy. */
  sha1: string;
  bytes: number;
  /** The error, the exit and the end of the child's stderr, or how long it waited. */
  detail: string;
  /**
   * Where the input was saved, when a findings folder was given. Beside a crash's input is the one before it
   * (`.before.eml`): the process may have died in a callback of that one, after answering it.
   */
  file?: string;
}

/** What a run did. */
export interface FuzzReport {
  seed: number;
  inputs: number;
  converted: number;
  rejected: number;
  slowestMs: number;
  findings: FuzzFinding[];
}

/** How long and how hard to fuzz. */
export interface FuzzOptions {
  /** Seeds the mutations: the same seed, corpus and count give the same inputs. */
  seed: number;
  /** Messages to mutate. */
  corpus: readonly Buffer[];
  /** Stop after this many inputs (besides `firstInputs`)... */
  inputs?: number;
  /** ...or after this many seconds, whichever comes first. */
  seconds?: number;
  /** An input without an answer after this long is a hang (default 20 s). */
  hangMs?: number;
  /** Saves each finding's input (and its detail, as `.txt`) here. */
  findingsDir?: string;
  /** Sent unchanged before the mutated inputs. */
  firstInputs?: readonly Buffer[];
  /** Added to the child's environment. */
  env?: NodeJS.ProcessEnv;
}

const CHILD = fileURLToPath(new URL('./convert-child.js', import.meta.url));

/** Hostile messages above this size stay out of the corpus: mutating them would be slow and add little. */
const HOSTILE_SEED_MAX = 300 * 1024;

/**
 * The corpus to mutate: the messages the formatter's tests and the demo use, and the fault suite's smaller
 * hostile messages (deep nesting, odd charsets, truncated base64, NUL bytes, a missing boundary).
 */
export async function defaultCorpus(): Promise<Buffer[]> {
  const roots = [new URL('../../../plugins/formatter-msg/test-fixtures/', import.meta.url), new URL('../../../host-service/demo/samples/', import.meta.url)];
  const files: string[] = [];
  for (const root of roots) {
    const dir = fileURLToPath(root);
    for (const entry of await readdir(dir, { recursive: true })) if (entry.endsWith('.eml')) files.push(join(dir, entry));
  }
  if (files.length === 0) throw new Error('no .eml files found under the test fixtures and demo samples');
  const hostile = hostileMessages().filter((m) => m.raw.length <= HOSTILE_SEED_MAX).map((m) => m.raw);
  return [...(await Promise.all(files.sort().map((f) => readFile(f)))), ...hostile];
}

/** A converting child process; `ask` resolves with its answer, or with a crash or hang. */
class Child {
  private readonly process: ChildProcess;
  private stderr = '';
  private waiting: ((a: ConvertAnswer | { crash: string }) => void) | undefined;
  /** How the process ended, once it has. */
  private ended: string | undefined;
  readonly ready: Promise<void>;

  constructor(scratchDir: string, env: NodeJS.ProcessEnv | undefined) {
    this.process = fork(CHILD, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ...env, [SCRATCH_ENV]: scratchDir },
    });
    this.process.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.ready = new Promise((resolve, reject) => {
      this.process.once('message', () => resolve());
      this.process.once('exit', (code) => reject(new Error(`the fuzzer's child exited (${code}) before it was ready: ${this.stderr}`)));
    });
    this.process.on('message', (m: ConvertAnswer) => this.waiting?.(m));
    this.process.on('exit', (code, signal) => {
      this.ended = `exited with ${signal ?? code}; stderr ends: ${this.stderr.slice(-1500)}`;
      this.waiting?.({ crash: this.ended });
    });
  }

  /** The answer to `request`, or how the process ended (it may have ended after answering the one before). */
  ask(request: ConvertRequest, hangMs: number): Promise<ConvertAnswer | { crash: string } | { hang: string }> {
    if (this.ended) return Promise.resolve({ crash: this.ended });
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ hang: `no answer after ${hangMs} ms` }), hangMs);
      this.waiting = (answer) => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve(answer);
      };
      this.process.send(request);
    });
  }

  kill(): void {
    this.process.removeAllListeners('exit');
    this.process.kill('SIGKILL');
  }
}

/** Runs the fuzzer. Rejects only when the child cannot start; everything else is a finding. */
export async function fuzzMsgConversion(options: FuzzOptions): Promise<FuzzReport> {
  const random = seeded(options.seed);
  const hangMs = options.hangMs ?? 20_000;
  const deadline = options.seconds === undefined ? Infinity : Date.now() + options.seconds * 1000;
  const limit = (options.inputs ?? Infinity) + (options.firstInputs?.length ?? 0);
  if (limit === Infinity && deadline === Infinity) throw new Error('inputs or seconds: expected a limit, found neither');
  const report: FuzzReport = { seed: options.seed, inputs: 0, converted: 0, rejected: 0, slowestMs: 0, findings: [] };
  const seenErrors = new Set<string>();
  const scratchDir = await mkdtemp(join(tmpdir(), 'filing-sync-fuzz-'));
  let child = new Child(scratchDir, options.env);
  let previous: Buffer | undefined;
  // A crash may come from a callback of the input before, after its answer: that one is kept beside it.
  const addFinding = async (finding: Omit<FuzzFinding, 'input' | 'sha1' | 'bytes'>, input: Buffer, n: number, before?: Buffer) => {
    const sha1 = createHash('sha1').update(input).digest('hex').slice(0, 12);
    const found: FuzzFinding = { ...finding, input: n, sha1, bytes: input.length };
    if (options.findingsDir) {
      await mkdir(options.findingsDir, { recursive: true });
      found.file = join(options.findingsDir, `${finding.kind}-${sha1}.eml`);
      await writeFile(found.file, input);
      if (before) await writeFile(found.file.replace(/\.eml$/, '.before.eml'), before);
      await writeFile(`${found.file}.txt`, `${finding.kind} (seed ${options.seed}, input ${n}): ${finding.detail}\n`);
    }
    report.findings.push(found);
  };
  try {
    await child.ready;
    while (report.inputs < limit && Date.now() < deadline) {
      const n = report.inputs++;
      const input = options.firstInputs?.[n] ?? mutateMessage(options.corpus[Math.floor(random() * options.corpus.length)]!, options.corpus, random);
      const answer = await child.ask({ id: n, bytes: input }, hangMs);
      let finding: Omit<FuzzFinding, 'input' | 'sha1' | 'bytes'> | undefined;
      if ('crash' in answer) finding = { kind: 'crash', detail: answer.crash };
      else if ('hang' in answer) finding = { kind: 'hang', detail: answer.hang };
      else {
        report.slowestMs = Math.max(report.slowestMs, answer.ms);
        if (answer.verdict === 'converted') report.converted++;
        else if (answer.verdict === 'rejected') report.rejected++;
        else {
          // The same error from many inputs is one finding.
          const key = `${answer.verdict} ${answer.detail?.replace(/\d+/g, 'N')}`;
          if (!seenErrors.has(key)) finding = { kind: answer.verdict, detail: answer.detail ?? '' };
          seenErrors.add(key);
        }
      }
      const before = previous;
      previous = input;
      if (!finding) continue;
      await addFinding(finding, input, n, finding.kind === 'crash' ? before : undefined);
      if (finding.kind === 'crash' || finding.kind === 'hang') {
        child.kill();
        child = new Child(scratchDir, options.env);
        await child.ready;
      }
    }
    return report;
  } finally {
    child.kill();
    await rm(scratchDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '300' },
      inputs: { type: 'string' },
      seed: { type: 'string' },
      'hang-ms': { type: 'string', default: '20000' },
      findings: { type: 'string', default: 'fuzz-findings' },
    },
  });
  const number = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a whole number, found "${v}"`);
    return n;
  };
  const seed = number('seed', values.seed) ?? Date.now() % 2 ** 31;
  const limits = { seconds: number('seconds', values.seconds), inputs: number('inputs', values.inputs), hangMs: number('hang-ms', values['hang-ms']) };
  process.stdout.write(`fuzzing the MSG formatter, seed ${seed}; findings go to ${values.findings}\n`);
  const report = await fuzzMsgConversion({ seed, corpus: await defaultCorpus(), ...limits, findingsDir: values.findings });
  process.stdout.write(`${report.inputs} inputs: ${report.converted} converted, ${report.rejected} refused as not convertible, slowest ${report.slowestMs.toFixed(0)} ms\n`);
  for (const f of report.findings) process.stdout.write(`${f.kind}: input ${f.input} (${f.bytes} bytes) ${f.file ?? ''}\n  ${f.detail.replace(/\n/g, '\n  ')}\n`);
  process.exitCode = report.findings.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
  });
}
