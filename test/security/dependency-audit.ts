/**
 * The dependency check of SECURITY.md: `npm audit` over what the app ships, where every high or
 * critical advisory must be fixed or explained (by its GHSA id) in SECURITY.md's "Accepted
 * advisories" section.
 *
 * "What the app ships" is read from package-lock.json, not from `--omit=dev`: the Electron runtime
 * is a devDependency by packaging convention (electron-builder bundles it), yet it is the largest
 * thing the desktop app ships, so its advisories count too.
 *
 * The registry's audit endpoint is not reachable everywhere (the machine this project is built on
 * answers 405); that outcome is reported as "could not be checked", with npm's own reason, and is
 * never taken for a clean result.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';

export type Severity = 'info' | 'low' | 'moderate' | 'high' | 'critical';
const SEVERE: ReadonlySet<Severity> = new Set(['high', 'critical']);

const SeveritySchema = z.enum(['info', 'low', 'moderate', 'high', 'critical']);
const AdvisorySchema = z.looseObject({
  source: z.union([z.number(), z.string()]).optional(),
  name: z.string(),
  title: z.string(),
  url: z.string(),
  severity: SeveritySchema,
  range: z.string().optional(),
});
const VulnerabilitySchema = z.looseObject({
  name: z.string(),
  severity: SeveritySchema,
  via: z.array(z.union([z.string(), AdvisorySchema])),
  nodes: z.array(z.string()),
});
const AuditReportSchema = z.looseObject({
  auditReportVersion: z.literal(2),
  vulnerabilities: z.record(z.string(), VulnerabilitySchema),
});
const LockfileSchema = z.looseObject({
  lockfileVersion: z.number().int().min(2),
  packages: z.record(z.string(), z.looseObject({ version: z.string().optional(), dev: z.boolean().optional() })),
});

/** Runtimes bundled into the installed app although package.json lists them as devDependencies. */
export const BUNDLED_RUNTIMES = ['electron'];

export interface Finding {
  /** GHSA id when the advisory has one, else its URL. */
  id: string;
  packageName: string;
  title: string;
  severity: Severity;
  url: string;
  /** Vulnerable versions, as npm reports them. */
  range: string | null;
  /** Where it sits in node_modules (shipped copies only). */
  paths: string[];
  /** Explained in SECURITY.md's "Accepted advisories" section. */
  accepted: boolean;
}

export type AuditOutcome =
  | { kind: 'unreachable'; reason: string }
  | { kind: 'checked'; shipped: number; findings: Finding[]; unexplained: Finding[] };

/** node_modules paths of every package the installed app contains. */
export function shippedPaths(lockfileJson: string): Set<string> {
  const lock = LockfileSchema.parse(JSON.parse(lockfileJson));
  const out = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path) continue; // the project itself
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!entry.dev || (path === `node_modules/${name}` && BUNDLED_RUNTIMES.includes(name))) out.add(path);
  }
  return out;
}

/** GHSA ids listed in SECURITY.md under a heading that starts with "Accepted advisories". */
export function acceptedAdvisories(securityMd: string): Set<string> {
  const ids = new Set<string>();
  let inSection = false;
  for (const line of securityMd.split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      inSection = /^accepted advisories\b/i.test(heading[1]!.trim());
      continue;
    }
    if (!inSection) continue;
    for (const m of line.matchAll(/GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}/gi)) ids.add(m[0].toUpperCase());
  }
  return ids;
}

function advisoryId(url: string): string {
  const m = /GHSA(?:-[0-9a-z]{4}){3}/i.exec(url);
  return m ? m[0].toUpperCase() : url;
}

/**
 * Reads `npm audit --json` output. Advisories are taken from the entries they are filed against
 * (string `via` items only point at another entry), counted once each, and kept when a vulnerable
 * copy of the package is shipped.
 */
export function assessAudit(stdout: string, shipped: Set<string>, accepted: Set<string>): AuditOutcome {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    const first = stdout.trim().split('\n')[0] ?? '';
    return { kind: 'unreachable', reason: first ? `npm audit did not answer with JSON: ${first.slice(0, 200)}` : 'npm audit printed nothing.' };
  }
  const report = AuditReportSchema.safeParse(json);
  if (!report.success) {
    const err = json as { message?: unknown; error?: { code?: unknown; summary?: unknown } };
    const reason = [err.error?.code, err.message, err.error?.summary].filter((x) => typeof x === 'string' && x.trim()).join(' — ');
    return { kind: 'unreachable', reason: reason || `npm audit answered in an unknown shape: ${report.error.issues[0]?.message ?? ''}` };
  }
  const byId = new Map<string, Finding>();
  for (const v of Object.values(report.data.vulnerabilities)) {
    const paths = v.nodes.filter((n) => shipped.has(n));
    if (!paths.length) continue;
    for (const a of v.via) {
      if (typeof a === 'string') continue;
      const id = advisoryId(a.url);
      const known = byId.get(id);
      if (known) {
        for (const p of paths) if (!known.paths.includes(p)) known.paths.push(p);
        continue;
      }
      byId.set(id, { id, packageName: a.name, title: a.title, severity: a.severity, url: a.url, range: a.range ?? null, paths: [...paths], accepted: accepted.has(id) });
    }
  }
  const findings = [...byId.values()].sort((a, b) => a.packageName.localeCompare(b.packageName) || a.id.localeCompare(b.id));
  return { kind: 'checked', shipped: shipped.size, findings, unexplained: findings.filter((f) => SEVERE.has(f.severity) && !f.accepted) };
}

/**
 * Runs `npm audit --json` in `cwd` (against `registry` when given); a run past `timeoutMs` is
 * stopped and reported as timed out.
 */
export function runNpmAudit(cwd: string, opts: { registry?: string; timeoutMs?: number } = {}): Promise<{ stdout: string; timedOut: boolean }> {
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const args = ['audit', '--json', ...(opts.registry ? ['--registry', opts.registry] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
    const chunks: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(chunks).toString('utf8'), timedOut });
    });
  });
}

/** The check as a person reads it. */
export function describeOutcome(o: AuditOutcome): string {
  if (o.kind === 'unreachable') return `Dependencies could not be checked: ${o.reason}. Run \`npm run audit:deps\` where the npm registry's audit endpoint is reachable.`;
  const lines = [`Audited ${o.shipped} shipped packages: ${o.findings.length} advisory(ies), ${o.unexplained.length} high or critical not explained in SECURITY.md.`];
  for (const f of o.findings) {
    const mark = SEVERE.has(f.severity) ? (f.accepted ? 'accepted' : 'UNEXPLAINED') : 'below high';
    lines.push(`  ${f.severity.padEnd(8)} ${f.packageName} ${f.range ?? ''} — ${f.title} (${f.id}) [${mark}] at ${f.paths.join(', ')}`);
  }
  if (o.unexplained.length) lines.push('Update the packages (npm audit fix), or explain each advisory by its GHSA id under "Accepted advisories" in SECURITY.md.');
  return lines.join('\n');
}
