/**
 * An incident message that does not contradict itself: rules that ran are never "not configured",
 * a census older than a run is labelled as such, the opening follows the memory reading, tiny
 * patterns are counted rather than listed, and counts of one read "1 key". Figures are the
 * fixture's own numbers, worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n/index.js';
import type { AuditEntry } from '../../src/incidents/audit-log.js';
import { buildIncidentFacts } from '../../src/notify/incident-facts.js';
import { incidentMessage } from '../../src/presenters/incident-message.js';
import { docToMarkdown } from '../../src/presenters/message-doc.js';
import { CLUSTER, census, REQUESTER, rules } from '../fixtures/incident.js';

const i18n = createI18n({ strict: true });

/** A `ttl run` from the terminal after the census: one key changed, none left. */
const run: AuditEntry[] = [
  {
    id: '1770911400000-0',
    at: '2026-02-12T15:00:00.000Z',
    actor: 'cli:alice',
    action: 'run_finished',
    cluster: CLUSTER,
    rule: 'exchange-price',
    counts: { changed: 1, left: 0 },
    via: 'cli',
    runId: 'cli-run-1',
  },
];

const tiny = {
  ...census.patterns[0],
  pattern: 'featureflag',
  keys: 1,
  keysWithoutTtl: 1,
  bytes: 88,
  ttlBuckets: { none: 1, lt1h: 0, lt1d: 0, lt7d: 0, lt30d: 0, lt90d: 0, ge90d: 0 },
} as (typeof census.patterns)[number];

function render(withRules: boolean, lang: 'en' | 'zh' = 'en'): string {
  const facts = buildIncidentFacts({
    cluster: CLUSTER,
    audit: run,
    census: { ...census, patterns: [...census.patterns, tiny] },
    rules: withRules ? rules : [],
    reading: { pct: 16.2, at: new Date('2026-02-12T15:05:00Z'), level: 'ok', warningPct: 70 },
  });
  return docToMarkdown(
    incidentMessage(facts, lang, i18n, { author: REQUESTER, targetPct: 75 }, { flavor: 'markdown' }),
  );
}

describe('an incident message after a fix', () => {
  it('rules that ran but are not configured are named, never "no rules configured"', () => {
    const text = render(false);
    expect(text).not.toContain('No TTL rules are configured');
    expect(text).toContain('Rules `exchange-price` ran on this cluster');
    expect(render(false, 'zh')).toContain('规则 `exchange-price` 已在该集群上执行');
  });

  it('says the census predates the run, with the run\u2019s re-count', () => {
    const text = render(true);
    expect(text).toContain('This key census ran at 2026-02-12 14:22 UTC, before these TTL rules finished');
    expect(text).toContain(
      'rule `exchange-price` finished 38 min later; its own re-count left 0 keys without TTL',
    );
    // The census's 329,044 less the 473 keys the rule's MATCH covered then.
    expect(text).toContain(
      'Keys without TTL after those runs, by their re-counts: 328,571 (the census counted 329,044)',
    );
  });

  it('opens with the reading (16.2 %, below the warning line), not with a shortage', () => {
    const text = render(true);
    expect(text).toContain('uses 16.2% of its memory');
    expect(text).not.toContain('ran short of memory');
    expect(render(true, 'zh')).toContain('当前内存使用率为 16.2%');
  });

  it('counts an 88-byte single key instead of listing it, naming the threshold', () => {
    const text = render(true);
    expect(text).not.toContain('`featureflag`');
    expect(text).toContain('less than 0.1% of the memory and of the keys');
  });

  it('pluralises: one key changed reads "1 key"', () => {
    const text = render(true);
    expect(text).toContain('Rule `exchange-price` finished: 1 key changed, 0 still without TTL');
    expect(text).not.toMatch(/\b1 keys\b/);
  });

  it('keeps audit entries of the same millisecond in the order they were written (stream ids)', () => {
    const entry = (id: string, action: AuditEntry['action']): AuditEntry => ({
      id,
      at: '2026-02-12T15:00:00.000Z',
      actor: 'cli:alice',
      action,
      cluster: CLUSTER,
      rule: 'exchange-price',
      via: 'cli',
    });
    // Newest first, as a reverse read of the stream returns them.
    const audit = [entry('1770908400000-2', 'run_finished'), entry('1770908400000-1', 'run_started')];
    const f = buildIncidentFacts({ cluster: CLUSTER, audit, rules });
    expect(f.timeline.map((x) => x.kind)).toEqual(['ttl_run_started', 'ttl_run_finished']);
  });
});
