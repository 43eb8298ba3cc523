/**
 * The application team's notices: one message, English then Chinese, each in its own language's
 * words and number format; only crossings past critical and their recovery; values escaped for
 * mrkdwn; the Chinese half passes the zh style and glossary checks.
 */
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n/index.js';
import type { Alert } from '../../src/monitoring/alert-machine.js';
import {
  devTeamAlertNotice,
  devTeamSummary,
  isDevTeamAlert,
} from '../../src/slack/blocks/dev-team-notice.js';
import { glossaryProblems, zhStyleProblems } from '../support/zh-style.js';

const i18n = createI18n({ strict: true });
const THRESHOLDS = { warning: 60, critical: 70, emergency: 85 };

function alert(kind: Alert['kind'], from: Alert['from'], memoryPct = 86.25): Alert {
  return {
    kind,
    at: Date.UTC(2026, 1, 20, 9, 54),
    from,
    memoryPct,
    usedMemory: 1,
    maxmemory: 2,
    evictedSinceLast: 0,
    keysWithoutTtl: 0,
  };
}

const sections = (m: { blocks: unknown[] }) =>
  (m.blocks as { type: string; text?: { text: string } }[])
    .filter((b) => b.type === 'section')
    .map((b) => b.text?.text ?? '');

describe('notices to the application team', () => {
  it('only memory past critical, and a recovery from there, are told', () => {
    expect(isDevTeamAlert(alert('critical', 'warning'))).toBe(true);
    expect(isDevTeamAlert(alert('emergency', 'ok'))).toBe(true);
    expect(isDevTeamAlert(alert('recovered', 'critical'))).toBe(true);
    expect(isDevTeamAlert(alert('recovered', 'warning'))).toBe(false);
    for (const kind of ['warning', 'evictions', 'ttl_growth'] as const)
      expect(isDevTeamAlert(alert(kind, 'ok'))).toBe(false);
  });

  it('one message: English, a divider, Chinese; the cluster name escaped', () => {
    const a = alert('emergency', 'critical');
    if (!isDevTeamAlert(a)) throw new Error('not a dev team alert');
    const message = devTeamAlertNotice(i18n, { cluster: 'a<b>&c', alert: a, thresholds: THRESHOLDS });
    expect((message.blocks as { type: string }[]).map((b) => b.type)).toEqual([
      'section',
      'divider',
      'section',
    ]);
    const [en, zh] = sections(message);
    expect(en).toBe(
      ':sos: Redis *a&lt;b&gt;&amp;c* is at 86.3% of its memory limit (emergency line: 85%): writes may start failing and keys may be evicted. The on-call team is working on it. Until it recovers, please hold off on bulk writes and on new keys without a TTL.',
    );
    expect(zh).toContain('Redis *a&lt;b&gt;&amp;c* 内存已用到上限的 86.3%（紧急线：85%）');
    expect(message.text).toBe(`${en}\n\n${zh}`);
    for (const kind of ['critical', 'emergency', 'recovered'] as const) {
      const x = alert(kind, kind === 'recovered' ? 'emergency' : 'ok', kind === 'recovered' ? 41 : 86);
      if (!isDevTeamAlert(x)) continue;
      const [, text] = sections(
        devTeamAlertNotice(i18n, { cluster: 'market', alert: x, thresholds: THRESHOLDS }),
      );
      expect(zhStyleProblems(text ?? '', { mrkdwn: true })).toEqual([]);
      expect(glossaryProblems(text ?? '')).toEqual([]);
    }
  });

  it('the summary: both languages with the same figures', () => {
    const latest = {
      at: 0,
      usedMemory: 1,
      maxmemory: 2,
      memoryPct: 50,
      keys: 12_345,
      keysWithTtl: 2_345,
      evicted: 0,
      expired: 0,
      opsPerSec: 0,
      fragmentation: 1,
      clients: 1,
      nodes: 1,
    };
    const [en, zh] = sections(
      devTeamSummary(i18n, [
        { cluster: 'market', latest, peakPct: 61.25 },
        { cluster: 'down', peakPct: null },
      ]),
    );
    expect(en).toContain('*market*: 50.0% now, peak 61.3% in 24 h · 12,345 keys, 10,000 without TTL');
    expect(zh).toContain('当前 50.0%，24 小时峰值 61.3% · 12,345 个 Key，其中无 TTL 10,000 个');
    expect(zh).toContain('最近 24 小时没有采样');
  });
});
