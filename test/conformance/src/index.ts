/**
 * `@filing-sync/conformance`: the sink conformance suite. A sink plugin's test file calls
 * {@link runSinkConformance} with hooks to make sinks against test targets and to look at what they
 * wrote; the suite registers its checks with mocha, gated by the sink's capabilities.
 * @packageDocumentation
 */
export { runSinkConformance, listConformanceChecks, type SkippedCheck } from './run-sink-conformance.js';
export type { SinkConformanceOptions, TargetRequest, TestTarget, FaultHooks, FaultInjectorLike, FaultKind } from './options.js';
export type { ConformanceCheck, CheckGroup, CheckContext, CheckEnvironment } from './check.js';
export { HOSTILE_SUBJECTS, type HostileSubject } from './hostile-subjects.js';
export { nameProblems } from './legal-name.js';
export { ProbeContent } from './probe-content.js';
export { sampleBytes, sampleMessage } from './sample-bytes.js';
export { expectTaxonomyError } from './expect-error.js';
export { staticCredentials, noCredentials, silentLogger, type StaticCredentials } from './test-context.js';
