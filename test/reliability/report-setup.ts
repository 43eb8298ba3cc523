/**
 * Global setup of the reliability suite: clears the results of an earlier run before the tests, and
 * afterwards, when RELIABILITY_REPORT=1, writes this run's table into docs/reliability.md.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readResults, resultsDir, suiteKind, writeReport } from '../support/reliability-report.js';

export function setup(): () => void {
  const suite = suiteKind();
  rmSync(resultsDir(suite), { recursive: true, force: true });
  return () => {
    if (process.env.RELIABILITY_REPORT !== '1') return;
    const results = readResults(suite);
    if (results.length > 0) writeReport(join(process.cwd(), 'docs', 'reliability.md'), suite, results);
  };
}
