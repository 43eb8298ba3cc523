/**
 * The one INFO parser: INFO (and CLUSTER INFO, same format) text → sections → fields, the keyspace
 * lines, and the typed server facts every caller reads (version, role, run id, memory, DBs, os).
 */

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

/** A field's raw value from whichever section reports it (INFO field names are unique across sections). */
export function infoValue(sections: InfoSections, field: string): string | undefined {
  for (const section of Object.values(sections)) {
    const value = section[field];
    if (value !== undefined) return value.trim();
  }
  return undefined;
}

/** What callers read from INFO, typed; a field the server does not report is undefined. */
export interface ServerFacts {
  /** `redis_version` (Valkey and Dragonfly report one too). */
  version: string | undefined;
  /** `version` as [major, minor, patch], 0 for parts that are missing or not numbers. */
  versionParts: number[];
  valkeyVersion: string | undefined;
  dragonflyVersion: string | undefined;
  serverName: string | undefined;
  runId: string | undefined;
  processId: string | undefined;
  os: string | undefined;
  archBits: string | undefined;
  clusterEnabled: boolean;
  /** `master`, `slave` (or `replica`). */
  role: string | undefined;
  masterHost: string | undefined;
  masterPort: string | undefined;
  usedMemory: number | undefined;
  maxmemory: number | undefined;
  maxmemoryPolicy: string | undefined;
  dbs: KeyspaceDb[];
}

function finite(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** Typed facts from INFO text (any subset of sections: absent sections give undefined fields). */
export function serverFacts(text: string): ServerFacts {
  const sections = parseInfo(text);
  const get = (field: string) => infoValue(sections, field);
  const version = get('redis_version');
  return {
    version,
    versionParts: (version ?? '0.0.0').split('.').map((x) => Number(x) || 0),
    valkeyVersion: get('valkey_version'),
    dragonflyVersion: get('dragonfly_version'),
    serverName: get('server_name'),
    runId: get('run_id'),
    processId: get('process_id'),
    os: get('os'),
    archBits: get('arch_bits'),
    clusterEnabled: get('cluster_enabled') === '1',
    role: get('role'),
    masterHost: get('master_host'),
    masterPort: get('master_port'),
    usedMemory: finite(get('used_memory')),
    maxmemory: finite(get('maxmemory')),
    maxmemoryPolicy: get('maxmemory_policy'),
    dbs: parseKeyspace(sections.keyspace),
  };
}
