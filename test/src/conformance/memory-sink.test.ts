/** The suite's reference run: a correct in-memory sink passes every check that applies to it. */
import { runMemoryConformance } from './memory-conformance.js';

runMemoryConformance('memory (reference)');
