/**
 * `@filing-sync/formatter-msg`: the `msg` formatter, Outlook .msg files from raw RFC 5322 messages.
 * @packageDocumentation
 */
import type { DependencyContainer } from 'tsyringe';
import { Formatter, type PluginApi, type RegisterPlugin } from '@filing-sync/core';
import { MsgFormatter } from './msg-formatter.js';

export { MsgFormatter, type MsgFormatterOptions, defaultWorkerCount } from './msg-formatter.js';
export { InvalidMessageError } from './invalid-message-error.js';
export { convertFileToMsg } from './convert-file.js';

/**
 * Registers the `msg` formatter under the core {@link Formatter} token.
 * @public
 */
export const register: RegisterPlugin = (container: DependencyContainer, _api: PluginApi): void => {
  container.register(Formatter, { useValue: new MsgFormatter() });
};
