import { describe, expect, it } from 'vitest';
import { VERDICT_REASON_KEYS } from '../../src/analysis/verdict.js';
import { AWS_NOTE_KEYS } from '../../src/aws/errors.js';
import { ErrorCode } from '../../src/errors.js';
import { createI18n } from '../../src/i18n/index.js';
import { LANGS } from '../../src/i18n/types.js';
import { combineNodes, nodeSnapshotFromInfo } from '../../src/redis/snapshot.js';
import { redisNotes } from '../../src/status/check-status.js';

// The core speaks in keys; every key it can emit must read well in both languages.
const i18n = createI18n({ strict: true });
const loose = createI18n();

/** Every {{name}} the text asks for, filled with a visible stand-in. */
function placeholdersFor(key: string): Record<string, string> {
  const raw = loose.plain('en')(key);
  return Object.fromEntries([...raw.matchAll(/\{\{-?\s*(\w+)/g)].map((m) => [m[1], `<${m[1]}>`]));
}

describe('keys the core emits exist in every language', () => {
  it('verdict reasons and AWS notes', () => {
    for (const lang of LANGS) {
      const t = i18n.plain(lang);
      for (const key of [...VERDICT_REASON_KEYS, ...AWS_NOTE_KEYS]) {
        // A key whose text needs values throws in strict mode when they are missing: pass placeholders.
        const text = t(`status:${key}`, placeholdersFor(`status:${key}`));
        expect(text, `${lang} status:${key}`).not.toMatch(/\{\{/);
      }
    }
  });

  it('Redis notes, with the values the code really passes', () => {
    const info = [
      '# Server',
      'redis_version:7.0.15',
      '# Replication',
      'role:slave',
      '# Cluster',
      'cluster_enabled:1',
      '# Memory',
      'used_memory:300000000',
      'used_memory_rss:600000000',
      'maxmemory:0',
      'maxmemory_policy:volatile-lfu',
      'mem_fragmentation_ratio:2.0',
      '# Stats',
      'evicted_keys:3',
      '# Keyspace',
      'db0:keys=10,expires=4,avg_ttl=0',
    ].join('\n');
    const a = nodeSnapshotFromInfo('10.0.0.1:6379', info);
    const b = nodeSnapshotFromInfo(
      '10.0.0.2:6379',
      info.replace('maxmemory_policy:volatile-lfu', 'maxmemory_policy:noeviction'),
    );
    const notes = [
      ...redisNotes(combineNodes('standalone', [a])),
      ...redisNotes(combineNodes('cluster', [a, b])),
    ];
    expect(new Set(notes.map((n) => n.key)).size).toBeGreaterThanOrEqual(7);
    for (const lang of LANGS) {
      const t = i18n.plain(lang);
      for (const note of notes) expect(t(`status:${note.key}`, note.values ?? {})).not.toMatch(/\{\{/);
    }
  });

  it('every error code', () => {
    for (const lang of LANGS) {
      const t = i18n.plain(lang);
      for (const code of Object.values(ErrorCode)) {
        const text = t(`errors:${code}`, placeholdersFor(`errors:${code}`));
        expect(text, `${lang} errors:${code}`).not.toBe(`errors:${code}`);
      }
    }
  });
});
