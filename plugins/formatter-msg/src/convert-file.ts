/**
 * File-to-file conversion for `filing-sync convert --to msg IN OUT`.
 * @packageDocumentation
 */
import { mkdtemp, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileContent } from '@filing-sync/core';
import { InvalidMessageError } from './invalid-message-error.js';
import { MsgFormatter, type MsgFormatterOptions } from './msg-formatter.js';

/**
 * Converts the message file `input` into the .msg file `output` (replaced if it exists), on the calling
 * thread. Rejects with {@link InvalidMessageError} whose message names `input` and what was expected when
 * it is not a message it can convert, and with the file system's error when a file cannot be read or written.
 * Resolves to the size of the written file.
 * @public
 */
export async function convertFileToMsg(input: string, output: string, options: Omit<MsgFormatterOptions, 'workers'> = {}): Promise<number> {
  const info = await stat(input);
  if (!info.isFile()) throw new InvalidMessageError('a file holding an RFC 5322 message', `${input} is not a regular file`);
  const scratchDir = await mkdtemp(join(tmpdir(), 'filing-sync-msg-'));
  const formatter = new MsgFormatter({ ...options, workers: 0 });
  try {
    const content = await formatter.render(await FileContent.of(input), { scratchDir }).catch((err: unknown) => {
      if (err instanceof InvalidMessageError) {
        throw new InvalidMessageError(err.expected, `${err.found} in ${input}`, { cause: err });
      }
      throw err;
    });
    if (content instanceof FileContent) await copyFile(content.path, output);
    else await writeFile(output, await content.bytes());
    return content.size;
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}
