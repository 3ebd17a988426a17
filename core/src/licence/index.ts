export * from './licence-error.js';
export * from './licence-file.js';
export * from './trusted-keys.js';
export * from './verify-licence.js';
