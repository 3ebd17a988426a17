export * from './box-double.js';
