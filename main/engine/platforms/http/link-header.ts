/**
 * RFC 8288 Link header parsing. PACT pages through footprints with `Link: <url>; rel="next"`;
 * the URL must be followed exactly as given, so it is returned verbatim (only resolved against
 * the request URL when relative).
 */
export interface LinkValue {
  url: string;
  rels: string[];
  params: Record<string, string>;
}

/** Parses one or more Link header values. Tolerates commas inside <...> and quoted strings. */
export function parseLinkHeader(header: string | string[] | null | undefined): LinkValue[] {
  if (header === null || header === undefined) return [];
  const input = Array.isArray(header) ? header.join(', ') : header;
  const links: LinkValue[] = [];
  let i = 0;
  const n = input.length;
  const skipWs = () => {
    while (i < n && /\s/.test(input[i]!)) i++;
  };
  while (i < n) {
    skipWs();
    if (input[i] === ',') {
      i++;
      continue;
    }
    if (input[i] !== '<') {
      // Malformed piece: skip to the next link-value.
      const next = input.indexOf(',', i);
      if (next === -1) break;
      i = next + 1;
      continue;
    }
    const end = input.indexOf('>', i + 1);
    if (end === -1) break;
    const url = input.slice(i + 1, end).trim();
    i = end + 1;
    const params: Record<string, string> = {};
    for (;;) {
      skipWs();
      if (input[i] !== ';') break;
      i++;
      skipWs();
      let name = '';
      while (i < n && /[^\s=;,]/.test(input[i]!)) name += input[i++];
      skipWs();
      let value = '';
      if (input[i] === '=') {
        i++;
        skipWs();
        if (input[i] === '"') {
          i++;
          while (i < n && input[i] !== '"') {
            if (input[i] === '\\' && i + 1 < n) i++;
            value += input[i++];
          }
          i++; // closing quote
        } else {
          while (i < n && /[^\s;,]/.test(input[i]!)) value += input[i++];
        }
      }
      const key = name.toLowerCase();
      // RFC 8288 §3: only the first occurrence of a parameter counts.
      if (key && !(key in params)) params[key] = value;
    }
    const rels = (params.rel ?? '')
      .split(/\s+/)
      .filter((r) => r.length > 0)
      .map((r) => r.toLowerCase());
    links.push({ url, rels, params });
  }
  return links;
}

/** The target of the first link with the given relation, resolved against `base` when relative. */
export function findLink(header: string | string[] | null | undefined, rel: string, base?: string): string | null {
  const wanted = rel.toLowerCase();
  const link = parseLinkHeader(header).find((l) => l.rels.includes(wanted));
  if (!link) return null;
  if (base === undefined) return link.url;
  try {
    // An absolute URL comes back unchanged by the URL parser only in normalised form, so keep it verbatim.
    if (/^[a-z][a-z0-9+.-]*:/i.test(link.url)) return link.url;
    return new URL(link.url, base).toString();
  } catch {
    return link.url;
  }
}
