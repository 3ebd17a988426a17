/**
 * API doubles for tests: a shared kit (loopback HTTP(S) server, router, fault injection, test
 * certificate) and one double per service.
 * @packageDocumentation
 */
export * from './kit/certificate.js';
export * from './kit/faults.js';
export * from './kit/http.js';
export * from './kit/server.js';
export * from './kit/lost-reply.js';
export * from './filing-service/index.js';
export * from './dropbox/index.js';
export * from './box/index.js';
export * from './graph/index.js';
export * from './egnyte/egnyte-double.js';
export * from './projectwise/projectwise-double.js';
