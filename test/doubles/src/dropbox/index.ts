export * from './dropbox-double.js';
