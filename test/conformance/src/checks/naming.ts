/**
 * Names as the engine makes them: core's namer with the sink's own rules.
 * @packageDocumentation
 */
import { NameTemplate, makeFileName, type Sink } from '@filing-sync/core';
import { SENT_AT } from './fixtures.js';

/** The harshest template: the subject alone, so nothing else in the name hides what it becomes. */
export const SUBJECT_ONLY = NameTemplate.parse('{subject}');

/** The file name core's namer gives a message with `subject` at `sink` (default template unless given). */
export function nameFor(sink: Sink, subject: string, template: NameTemplate = NameTemplate.default): string {
  return makeFileName(
    { sentAt: SENT_AT, filedAt: SENT_AT, subject },
    { template, extension: '.eml', rules: sink.capabilities.pathRules, folderPathLength: sink.folderPathLength },
  );
}
