// Prints Playwright's result as the plain line CI reads: "N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const report = JSON.parse(readFileSync(file, 'utf8'));
let passed = 0, failed = 0, skipped = 0;
const walk = (suite) => {
  for (const s of suite.suites || []) walk(s);
  for (const spec of suite.specs || []) {
    for (const t of spec.tests || []) {
      const status = t.status || (t.results?.at(-1)?.status);
      if (status === 'expected' || status === 'flaky') passed++;
      else if (status === 'skipped') skipped++;
      else failed++;
    }
  }
};
for (const s of report.suites || []) walk(s);
console.log(`playwright: ${passed} passed, ${failed} failed, ${skipped} skipped`);
