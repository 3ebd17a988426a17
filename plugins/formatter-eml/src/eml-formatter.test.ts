import { expect } from 'chai';
import { container } from 'tsyringe';
import { BufferContent, Formatter, PLUGIN_API_VERSION, type Formatter as FormatterType } from '@filing-sync/core';
import { register } from './index.js';

describe('formatter-eml', () => {
  it('registers as eml (.eml, message/rfc822) and renders the input Content itself, bytes unchanged', async () => {
    const child = container.createChildContainer();
    register(child, { apiVersion: PLUGIN_API_VERSION, manifest: { apiVersion: 1, kind: 'formatter', name: 'eml' } });
    const formatters = child.resolveAll<FormatterType>(Formatter);
    expect(formatters.map((f) => [f.name, f.extension, f.mediaType])).to.deep.equal([['eml', '.eml', 'message/rfc822']]);
    const raw = Buffer.from('Subject: =?UTF-8?Q?caf=C3=A9?=\r\nDate: Sat, 28 Nov 2026 14:46:13 +0000\r\n\r\nbody \xff\r\n', 'latin1');
    const input = new BufferContent(raw);
    const output = await formatters[0]!.render(input, { scratchDir: '/nonexistent' });
    expect(output).to.equal(input);
    expect((await output.bytes()).equals(raw)).to.equal(true);
  });
});
