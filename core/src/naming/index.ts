/**
 * Naming (DESIGN §5): header reading, templates, and names made safe by a sink's path rules.
 * @packageDocumentation
 */
export * from './rfc5322-date.js';
export * from './read-message-headers.js';
export * from './name-template.js';
export * from './sanitize-segment.js';
export * from './make-file-name.js';
