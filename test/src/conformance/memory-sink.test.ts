/**
 * The suite's reference runs: a correct in-memory sink, and a correct one behind HTTP with fault
 * injection, pass every check that applies to them.
 */
import { runHttpMemoryConformance } from './http-memory-conformance.js';
import { runMemoryConformance } from './memory-conformance.js';

runMemoryConformance('memory (reference)');
runHttpMemoryConformance('http memory (reference)');
