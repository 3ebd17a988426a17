/**
 * The fault suite's findings: every part adds rows (what it tried, what it found), and the table
 * is printed once, after the whole suite, whether the checks passed or not.
 */
import { writeFileSync } from 'node:fs';

/** One line of the table. */
export interface Finding {
  part: string;
  tried: string;
  found: string;
  /** `ok` when the promise held, `FAILED` otherwise. */
  verdict: 'ok' | 'FAILED';
}

const findings: Finding[] = [];

/** Adds a line to the table printed at the end of the suite. */
export function finding(part: string, tried: string, found: string, held: boolean): void {
  findings.push({ part, tried, found, verdict: held ? 'ok' : 'FAILED' });
}

/** The table as Markdown. */
export function findingsTable(): string {
  const rows = [['part', 'tried', 'found', 'verdict'], ...findings.map((f) => [f.part, f.tried, f.found, f.verdict])];
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return rows.map((r, i) => `| ${r.map(cell).join(' | ')} |${i === 0 ? '\n|---|---|---|---|' : ''}`).join('\n');
}

// A root hook: runs once after every fault file, and prints the table even when a test failed.
after(function () {
  const table = findingsTable();
  process.stdout.write(`\nFault suite: what was tried and what was found\n\n${table}\n\n`);
  // CI keeps the table as an artefact when asked to.
  if (process.env.FILING_SYNC_FAULTS_TABLE) writeFileSync(process.env.FILING_SYNC_FAULTS_TABLE, `${table}\n`);
});
