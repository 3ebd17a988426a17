export * from './graph-double.js';
export * from './drive-store.js';
export * from './identity.js';
export * from './graph-errors.js';
export * from './client-certificate.js';
export * from './user-sign-in.js';
