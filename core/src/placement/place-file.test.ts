import { expect } from 'chai';
import type { Content } from '../contracts/content.js';
import { WINDOWS_PATH_RULES, type PathRules } from '../contracts/path-rules.js';
import type { CreateOptions, CreateResult, EntryInfo, Sink, SinkCapabilities } from '../contracts/sink.js';
import { BufferContent } from '../content/buffer-content.js';
import { PermanentError, PermissionDenied } from '../errors.js';
import { placeFile } from './place-file.js';

/** A folder in memory with no-clobber create, as the Sink contract asks. */
class MemorySink implements Sink {
  readonly files = new Map<string, { name: string; bytes: Buffer; modifiedAt: Date }>();
  readonly creates: string[] = [];
  readonly displayPath = 'mem:/target';
  readonly capabilities: SinkCapabilities;
  fail: Error | undefined;

  constructor(
    readonly folderPathLength = 10,
    hashKind: string | null = 'sha256',
    rules: PathRules = WINDOWS_PATH_RULES,
    private readonly upperHex = false,
  ) {
    this.capabilities = { pathRules: rules, hashKind: hashKind ?? undefined, atomicCreate: true, setsModifiedTime: true };
  }

  private key(name: string): string {
    return this.capabilities.pathRules.caseInsensitive ? name.toLowerCase() : name;
  }

  async check(): Promise<'writable'> {
    return 'writable';
  }

  async stat(name: string): Promise<EntryInfo | undefined> {
    const f = this.files.get(this.key(name));
    if (!f) return undefined;
    const entry: EntryInfo = { name: f.name, path: `${this.displayPath}/${f.name}`, size: f.bytes.length, modifiedAt: f.modifiedAt };
    const kind = this.capabilities.hashKind;
    if (kind) {
      const hash = await new BufferContent(f.bytes).digest(kind);
      entry.hash = this.upperHex ? hash.toUpperCase() : hash;
    }
    return entry;
  }

  async create(name: string, content: Content, options: CreateOptions): Promise<CreateResult> {
    this.creates.push(name);
    if (this.fail) throw this.fail;
    if (this.files.has(this.key(name))) return { created: false };
    this.files.set(this.key(name), { name, bytes: await content.bytes(), modifiedAt: options.modifiedAt });
    return { created: true, entry: (await this.stat(name))! };
  }

  put(name: string, text: string): void {
    this.files.set(this.key(name), { name, bytes: Buffer.from(text), modifiedAt: new Date(0) });
  }
}

const modifiedAt = new Date('2026-11-28T14:46:13Z');
const content = (text: string): BufferContent => new BufferContent(Buffer.from(text));
const NAME = '20261128T144613Z Site visit notes.eml';

describe('placeFile', () => {
  it('creates under the intended name with the modified time', async () => {
    const sink = new MemorySink();
    const r = await placeFile(sink, NAME, content('hello'), { modifiedAt });
    expect(r.outcome).to.equal('created');
    expect(r.name).to.equal(NAME);
    expect(r.entry.size).to.equal(5);
    expect(sink.files.get(NAME.toLowerCase())?.modifiedAt).to.equal(modifiedAt);
  });

  it('reports identical, writing nothing, when the same bytes are already there', async () => {
    const sink = new MemorySink(10, 'sha256', WINDOWS_PATH_RULES, true);
    sink.put(NAME, 'hello');
    const r = await placeFile(sink, NAME, content('hello'), { modifiedAt });
    expect(r.outcome).to.equal('identical');
    expect(r.name).to.equal(NAME);
    expect(sink.files.size).to.equal(1);
    expect(sink.files.get(NAME.toLowerCase())?.modifiedAt.getTime()).to.equal(0);
  });

  it('writes " (2)", " (3)" when other content holds the name', async () => {
    const sink = new MemorySink();
    sink.put(NAME, 'other');
    sink.put('20261128T144613Z Site visit notes (2).eml', 'different size');
    const r = await placeFile(sink, NAME, content('hello'), { modifiedAt });
    expect(r.outcome).to.equal('renamed');
    expect(r.name).to.equal('20261128T144613Z Site visit notes (3).eml');
    expect(sink.files.get(r.name.toLowerCase())?.bytes.toString()).to.equal('hello');
  });

  it('ends in identical when a numbered candidate holds the same bytes', async () => {
    const sink = new MemorySink();
    sink.put(NAME, 'other');
    sink.put('20261128T144613Z Site visit notes (2).eml', 'hello');
    const r = await placeFile(sink, NAME, content('hello'), { modifiedAt });
    expect(r).to.include({ outcome: 'identical', name: '20261128T144613Z Site visit notes (2).eml' });
    expect(sink.files.size).to.equal(2);
  });

  it('respects case-insensitive names and returns the stored spelling', async () => {
    const sink = new MemorySink();
    sink.put(NAME.toUpperCase(), 'hello');
    const r = await placeFile(sink, NAME, content('hello'), { modifiedAt });
    expect(r).to.include({ outcome: 'identical', name: NAME.toUpperCase() });
    const other = await placeFile(sink, NAME, content('world'), { modifiedAt });
    expect(other).to.include({ outcome: 'renamed', name: '20261128T144613Z Site visit notes (2).eml' });
  });

  it('treats same-size content as different when the sink reports no hash (never hides a message)', async () => {
    const sink = new MemorySink(10, null);
    sink.put(NAME, 'hello');
    const r = await placeFile(sink, NAME, content('hello'), { modifiedAt });
    expect(r.outcome).to.equal('renamed');
    expect(r.name).to.equal('20261128T144613Z Site visit notes (2).eml');
  });

  it('keeps numbered names within the segment and path limits, extension kept', async () => {
    const sink = new MemorySink(200);
    const long = `${'L'.repeat(55)}.eml`;
    expect(long.length + 200).to.equal(259);
    sink.put(long, 'other');
    const r = await placeFile(sink, long, content('hello'), { modifiedAt });
    expect(r.outcome).to.equal('renamed');
    expect(r.name).to.equal(`${'L'.repeat(51)} (2).eml`);
    expect(r.name.length + 200).to.be.at.most(259);
  });

  it('gives up with PermanentError after maxCandidates names', async () => {
    const sink = new MemorySink();
    sink.put('a.eml', 'x1');
    for (let i = 2; i <= 4; i++) sink.put(`a (${i}).eml`, `x${i}`);
    const err = await placeFile(sink, 'a.eml', content('hello'), { modifiedAt, maxCandidates: 4 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(PermanentError);
    expect(sink.creates).to.deep.equal(['a.eml', 'a (2).eml', 'a (3).eml', 'a (4).eml']);
  });

  it('passes sink errors through and honours an abort', async () => {
    const sink = new MemorySink();
    sink.fail = new PermissionDenied('no');
    expect(await placeFile(sink, 'a.eml', content('x'), { modifiedAt }).catch((e: unknown) => e)).to.be.instanceOf(PermissionDenied);
    const controller = new AbortController();
    controller.abort(new Error('stopping'));
    const aborted = await placeFile(new MemorySink(), 'a.eml', content('x'), { modifiedAt, signal: controller.signal }).catch((e: unknown) => e);
    expect((aborted as Error).message).to.equal('stopping');
  });
});
