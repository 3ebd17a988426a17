/**
 * @filing-sync/host-service: the service host's composition root (its CLI is the `filing-sync` bin).
 * @packageDocumentation
 */
export * from './composition.js';
