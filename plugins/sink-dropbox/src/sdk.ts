/**
 * The Dropbox plugin's SDK-bound parts, for code that drives the `dropbox` SDK itself: importing
 * this entry loads it. The plugin's main entry loads it only when a Dropbox target or credential
 * is first used.
 * @packageDocumentation
 */
export { DropboxSink, type DropboxSinkOptions } from './dropbox-sink.js';
export { DropboxRefreshTokenProvider } from './dropbox-token-provider.js';
export { mapDropboxError } from './dropbox-errors.js';
