export * from './issue-licence.js';
