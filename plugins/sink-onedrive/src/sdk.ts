/**
 * The OneDrive plugin's SDK-bound parts, for code that drives the Graph client itself: importing
 * this entry loads @microsoft/microsoft-graph-client. The plugin's main entry loads it only when a
 * OneDrive or SharePoint target is first used.
 * @packageDocumentation
 */
export { OneDriveSink, UNRESOLVED_ROOT_PATH_LENGTH, type OneDriveSinkParts } from './onedrive-sink.js';
