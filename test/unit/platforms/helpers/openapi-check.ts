/**
 * Checks a request captured by a test server against a published OpenAPI file: the path and
 * method exist, required query parameters are present, the content type is one the operation
 * accepts, and the body has the required fields (nested objects included).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { RecordedRequest } from './test-server';

type Obj = Record<string, unknown>;
export interface Spec {
  raw: Obj;
}

export function loadSpec(file: string): Spec {
  return { raw: parse(readFileSync(file, 'utf8')) as Obj };
}

function deref(spec: Spec, node: unknown): Obj {
  let cur = node as Obj;
  const seen = new Set<string>();
  while (cur && typeof cur.$ref === 'string') {
    const ref = cur.$ref;
    if (seen.has(ref)) break;
    seen.add(ref);
    let target: unknown = spec.raw;
    for (const seg of ref.replace(/^#\//, '').split('/')) target = (target as Obj)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    cur = target as Obj;
  }
  return cur ?? {};
}

export function findOperation(spec: Spec, method: string, path: string): { template: string; op: Obj; pathItem: Obj } | null {
  const paths = spec.raw.paths as Obj;
  for (const [template, item] of Object.entries(paths)) {
    const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, '[^/]+')}$`);
    if (!re.test(path)) continue;
    const op = (item as Obj)[method.toLowerCase()];
    if (op) return { template, op: op as Obj, pathItem: item as Obj };
  }
  return null;
}

/** Required property names missing from `value` according to `schema`, as dotted paths. */
function missingRequired(spec: Spec, schemaNode: unknown, value: unknown, at: string): string[] {
  const schema = deref(spec, schemaNode);
  const out: string[] = [];
  for (const part of (schema.allOf as unknown[] | undefined) ?? []) out.push(...missingRequired(spec, part, value, at));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  const v = value as Obj;
  for (const name of (schema.required as string[] | undefined) ?? []) if (!(name in v)) out.push(`${at}${name}`);
  for (const [name, sub] of Object.entries((schema.properties as Obj | undefined) ?? {})) {
    if (name in v) out.push(...missingRequired(spec, sub, v[name], `${at}${name}.`));
  }
  return out;
}

export interface BodyFields {
  contentType: string;
  value: unknown;
}

/** Problems with one recorded request; [] when it conforms. */
export function checkRequest(spec: Spec, req: RecordedRequest, body?: BodyFields, opts: { allowUnknownQuery?: boolean } = {}): string[] {
  const found = findOperation(spec, req.method, req.path);
  if (!found) return [`${req.method} ${req.path}: no such path/method in the spec`];
  const problems: string[] = [];
  const params = [...((found.pathItem.parameters as unknown[]) ?? []), ...((found.op.parameters as unknown[]) ?? [])].map((p) => deref(spec, p));
  const known = new Set(params.filter((p) => p.in === 'query').map((p) => String(p.name)));
  for (const p of params) {
    if (p.in === 'query' && p.required === true && !req.query.has(String(p.name))) problems.push(`missing required query parameter ${String(p.name)}`);
  }
  if (!opts.allowUnknownQuery) for (const k of req.query.keys()) if (!known.has(k)) problems.push(`query parameter ${k} is not in the spec`);
  const rb = found.op.requestBody ? deref(spec, found.op.requestBody) : null;
  const sentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (rb) {
    const content = (rb.content as Obj | undefined) ?? {};
    if (!sentType) problems.push('request has no content-type although the operation takes a body');
    else if (!(sentType in content)) problems.push(`content-type ${sentType} not accepted (spec: ${Object.keys(content).join(', ')})`);
    else if (body) problems.push(...missingRequired(spec, (content[sentType] as Obj).schema, body.value, '').map((f) => `missing required body field ${f}`));
  } else if (req.body.length > 0) {
    problems.push('request has a body but the operation defines none');
  }
  return problems;
}

/** Minimal multipart/form-data reader for assertions. */
export function parseMultipart(req: RecordedRequest): Map<string, { filename: string | null; contentType: string | null; data: Buffer }> {
  const m = /boundary=([^;]+)/.exec(String(req.headers['content-type']));
  if (!m) throw new Error('no multipart boundary');
  const boundary = Buffer.from(`--${m[1]}`);
  const out = new Map<string, { filename: string | null; contentType: string | null; data: Buffer }>();
  let pos = req.body.indexOf(boundary);
  while (pos !== -1) {
    const start = pos + boundary.length;
    if (req.body.subarray(start, start + 2).toString() === '--') break;
    const headerEnd = req.body.indexOf('\r\n\r\n', start);
    const headers = req.body.subarray(start + 2, headerEnd).toString('utf8');
    const next = req.body.indexOf(boundary, headerEnd);
    const data = req.body.subarray(headerEnd + 4, next - 2);
    const name = /name="([^"]*)"/.exec(headers)?.[1] ?? '';
    out.set(name, {
      filename: /filename="([^"]*)"/.exec(headers)?.[1] ?? null,
      contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? null,
      data,
    });
    pos = next;
  }
  return out;
}
