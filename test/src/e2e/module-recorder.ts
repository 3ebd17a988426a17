/**
 * Preload (`node --import <this file>`) that records which modules a process loads: a test can
 * then tell which packages a host really loaded, by behaviour rather than by reading its imports.
 * Writes to the file named by `FILING_SYNC_TEST_MODULE_LOG`.
 */
import { register } from 'node:module';

register('./module-recorder-hooks.js', import.meta.url);
