/**
 * The checks of the suite, one module per group.
 * @packageDocumentation
 */
import type { CheckGroup } from '../check.js';
import { accessChecks } from './access-checks.js';
import { concurrencyChecks } from './concurrency-checks.js';
import { contractChecks } from './contract-checks.js';
import { faultChecks } from './fault-checks.js';
import { nameChecks } from './name-checks.js';
import { placementChecks } from './placement-checks.js';
import { writeChecks } from './write-checks.js';

/** Every group of checks, in the order they run. */
export const CHECK_GROUPS: readonly CheckGroup[] = [
  contractChecks,
  writeChecks,
  placementChecks,
  nameChecks,
  accessChecks,
  faultChecks,
  concurrencyChecks,
];
