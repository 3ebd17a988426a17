/**
 * `@filing-sync/formatter-eml`: files the original RFC 5322 message unchanged, as `.eml`.
 * @packageDocumentation
 */
import { Formatter, type PluginApi } from '@filing-sync/core';
import type { DependencyContainer } from 'tsyringe';
import { EmlFormatter } from './eml-formatter.js';

export { EmlFormatter } from './eml-formatter.js';

/**
 * Registers the `eml` {@link Formatter}.
 * @public
 */
export function register(container: DependencyContainer, _api: PluginApi): void {
  container.register(Formatter, { useValue: new EmlFormatter() });
}
