/**
 * `npm run audit:deps`: the dependency check of SECURITY.md, printed for a person.
 * Exit 0 when nothing high or critical is left unexplained, 1 when something is, 2 when the
 * registry's audit endpoint could not be reached (that is never reported as clean).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceptedAdvisories, assessAudit, describeOutcome, runNpmAudit, shippedPaths } from './dependency-audit';

const root = join(import.meta.dirname, '..', '..');
const { stdout, timedOut } = await runNpmAudit(root);
const outcome = timedOut
  ? ({ kind: 'unreachable', reason: 'npm audit did not answer within 90 s' } as const)
  : assessAudit(stdout, shippedPaths(readFileSync(join(root, 'package-lock.json'), 'utf8')), acceptedAdvisories(readFileSync(join(root, 'SECURITY.md'), 'utf8')));
console.log(describeOutcome(outcome));
process.exitCode = outcome.kind === 'unreachable' ? 2 : outcome.unexplained.length ? 1 : 0;
