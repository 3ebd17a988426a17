/**
 * Not a test of its own (its name does not end in .test.js): `suite-catches-faults.test.ts` runs
 * it in a child mocha and expects these deliberately broken sinks to fail named checks.
 */
import { runHttpMemoryConformance } from './http-memory-conformance.js';
import { runMemoryConformance } from './memory-conformance.js';

runMemoryConformance('clobbers', { clobbers: true });
runMemoryConformance('wrong-hash', { wrongHash: true });
runMemoryConformance('truncates-large', { truncatesLarge: true });
runMemoryConformance('untyped-denied', { untypedDenied: true });
runMemoryConformance('lowercases-names', { lowercasesNames: true });
runMemoryConformance('listed-known-failure', { clobbers: true }, { knownFailures: { 'write/no-clobber': 'documented service bug' } });
runMemoryConformance('stale-known-failure', undefined, { knownFailures: { 'write/read-back': 'fixed long ago' } });
runHttpMemoryConformance('reuses-spent-stream', { reusesSpentStream: true });
runHttpMemoryConformance('ignores-retry-after', { ignoresRetryAfter: true });
runHttpMemoryConformance('leaks-network-errors', { leaksNetworkErrors: true });
