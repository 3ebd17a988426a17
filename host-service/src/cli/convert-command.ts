import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConfigError, FileContent, Formatter, loadConfiguration, readMessageHeaders, type Formatter as FormatterContract } from '@filing-sync/core';
import { serviceHost } from '../composition.js';
import { reportFailure } from './report-failure.js';

/**
 * `filing-sync convert --to eml|msg IN OUT`: one message through one formatter, nothing else.
 * Exits non-zero with a message naming the input when it is not an RFC 5322 message.
 */
export async function convertCommand(input: string, output: string, to: string): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'filing-sync-convert-'));
  try {
    const { container, plugins } = await loadConfiguration(serviceHost(), {});
    const formatters = container.isRegistered(Formatter) ? container.resolveAll<FormatterContract>(Formatter) : [];
    const formatter = formatters.find((f) => f.name === to);
    if (!formatter) {
      const failed = plugins.failed.find((p) => p.name.endsWith(`formatter-${to}`));
      throw new ConfigError([{ key: '--to', expected: `one of ${formatters.map((f) => f.name).join(', ')}${failed ? ` (${failed.name} is not available: ${failed.reason})` : ''}`, found: to }]);
    }
    let content: FileContent;
    try {
      content = await FileContent.of(input);
    } catch (err) {
      throw new ConfigError([{ key: '<in>', expected: `a readable message file (${(err as Error).message})` }]);
    }
    const headers = await readMessageHeaders(content.open());
    if (Object.keys(headers.all).length === 0) {
      throw new ConfigError([{ key: '<in>', expected: `an RFC 5322 message with header fields; ${input} has none` }]);
    }
    const rendered = await formatter.render(content, { scratchDir: scratch });
    if (rendered.size < 1024 * 1024) await writeFile(output, await rendered.bytes());
    else await pipeline(rendered.open(), createWriteStream(output));
    process.stdout.write(`${output}: ${rendered.size} bytes (${formatter.name})\n`);
  } catch (err) {
    process.exitCode = reportFailure(err);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
