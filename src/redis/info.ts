/** INFO text → section → field → raw string value. Section names are lower-cased ("# Memory" → memory). */
export type InfoSections = Record<string, Record<string, string>>;

export function parseInfo(text: string): InfoSections {
  const sections: InfoSections = {};
  let current: Record<string, string> = {};
  sections.default = current;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      current = {};
      sections[line.slice(1).trim().toLowerCase()] = current;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) current[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return sections;
}

export interface KeyspaceDb {
  db: number;
  keys: number;
  expires: number;
  avgTtlMs: number;
}

/** `db0:keys=6658630,expires=4034921,avg_ttl=0` lines of the keyspace section. */
export function parseKeyspace(section: Record<string, string> | undefined): KeyspaceDb[] {
  const dbs: KeyspaceDb[] = [];
  for (const [name, value] of Object.entries(section ?? {})) {
    const match = /^db(\d+)$/.exec(name);
    if (!match) continue;
    const fields = Object.fromEntries(value.split(',').map((kv) => kv.split('=') as [string, string]));
    dbs.push({
      db: Number(match[1]),
      keys: Number(fields.keys ?? 0),
      expires: Number(fields.expires ?? 0),
      avgTtlMs: Number(fields.avg_ttl ?? 0),
    });
  }
  return dbs.sort((a, b) => a.db - b.db);
}

/** A numeric INFO field, or `fallback` when the server doesn't report it (older versions, Valkey). */
export function infoNumber(sections: InfoSections, section: string, field: string, fallback = 0): number {
  const raw = sections[section]?.[field];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isFinite(n) ? n : fallback;
}
