/**
 * The burst report in words: every section and every source state renders in both languages with
 * strict i18n (no missing key or placeholder), the Chinese follows the style rules, hostile names
 * (a pattern, a rule, a log line) reach Slack escaped, and the timeline chart is a PNG.
 */
import { describe, expect, it } from 'vitest';
import type { BurstReport } from '../../src/burst/types.js';
import { createI18n } from '../../src/i18n/index.js';
import { escapeMrkdwn } from '../../src/i18n/mrkdwn.js';
import { renderBurstChart } from '../../src/presenters/burst-chart.js';
import { buildBurstDoc } from '../../src/presenters/burst-view.js';
import { docToMrkdwn } from '../../src/presenters/message-doc.js';
import { docsToMessages } from '../../src/slack/blocks/message-doc-blocks.js';
import { mrkdwnOf } from '../support/hostile-text.js';
import { zhStyleProblems } from '../support/zh-style.js';

const i18n = createI18n({ strict: true });
const at = (hhmm: string) => new Date(`2026-02-12T${hhmm}:00Z`);
const minutes = (from: string, counts: number[]) =>
  counts.map((count, i) => ({ at: new Date(at(from).getTime() + i * 60_000), count }));

function report(): BurstReport {
  const activity = minutes('13:47', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 900, 1200, 400, 10, 0, 0]);
  return {
    cluster: 'market',
    generatedAt: at('14:30'),
    window: {
      from: at('13:47'),
      to: at('14:26'),
      source: 'memory',
      start: at('13:57'),
      peak: at('14:08'),
      peakPct: 87.5,
      baselinePct: 70,
      recovery: at('14:26'),
    },
    memory: minutes(
      '13:40',
      [70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 72, 76, 80],
    ).map((p) => ({
      at: p.at,
      value: p.count,
    })),
    reference: 'memory',
    redisBurstStart: at('13:57'),
    sources: [
      { source: 'memory', state: 'ok', notes: [] },
      { source: 'census', state: 'ok', notes: [] },
      { source: 'young_keys', state: 'ok', notes: [] },
      {
        source: 'logs',
        state: 'failed',
        notes: [{ key: 'burst:notes.logs_query_timeout', values: { seconds: 60, status: 'Running' } }],
      },
      {
        source: 'rules',
        state: 'failed',
        notes: [{ key: 'notes.aws_access_denied', values: { action: 'events:ListRules' } }],
      },
      { source: 'ecs', state: 'not_configured', notes: [{ key: 'burst:notes.ecs_not_configured' }] },
    ],
    census: {
      beforeId: '20260212T131500Z',
      afterId: 'fresh',
      diff: {
        cluster: 'market',
        before: {
          startedAt: '',
          finishedAt: '',
          sampled: false,
          bytesEstimated: false,
          overflowFolded: 0,
          truncated: false,
        },
        after: {
          startedAt: '',
          finishedAt: '',
          sampled: false,
          bytesEstimated: false,
          overflowFolded: 0,
          truncated: false,
        },
        intervalMs: 0,
        totals: {
          before: { keys: 0, keysWithoutTtl: 0, bytes: 0 },
          after: { keys: 0, keysWithoutTtl: 0, bytes: 0 },
          delta: { keys: 0, keysWithoutTtl: 0, bytes: 0 },
        },
        patterns: [
          {
            pattern: 'esc:<!channel>:*',
            change: 'new',
            keysBefore: 0,
            keysAfter: 2500,
            keysDelta: 2500,
            keysWithoutTtlBefore: 0,
            keysWithoutTtlAfter: 0,
            keysWithoutTtlDelta: 0,
            bytesBefore: 0,
            bytesAfter: 3_000_000,
            bytesDelta: 3_000_000,
          },
        ],
        newPatterns: ['esc:<!channel>:*'],
        gonePatterns: [],
        approximate: false,
      },
    },
    youngKeys: {
      sampledKeys: 52_000,
      sampleLimit: 50_000,
      horizonMs: 3_600_000,
      idleTime: true,
      patterns: [
        {
          pattern: 'esc:<!channel>:*',
          keysWithTtl: 2500,
          shortTtlKeys: 2500,
          ttl: { minMs: 660_000, medianMs: 900_000, maxMs: 1_200_000 },
          dating: 'fixed_ttl',
          idleSampled: 300,
          typicalTtlMs: 1_200_000,
          writes: activity,
          burstStart: at('13:57'),
          burstPeak: at('13:58'),
        },
      ],
    },
    logs: {
      logGroups: ['/ecs/luckyus-isales-market'],
      query: '',
      perMinute: minutes('13:57', [4000, 3800]),
      busiest: minutes('13:57', [4000, 3800]),
      samples: [{ at: at('13:57'), message: 'SADD x <!here> `code` ***' }],
    },
    rules: {
      filters: ['isales'],
      rules: [
        {
          name: 'isales-<@U1>',
          state: 'ENABLED',
          schedule: 'cron(57 13 * * ? *)',
          firings: [at('13:57')],
          approximate: false,
        },
        {
          name: 'isales-hourly',
          state: 'ENABLED',
          schedule: 'rate(1 hour)',
          firings: [at('14:00')],
          approximate: true,
        },
        {
          name: 'isales-nightly',
          state: 'DISABLED',
          schedule: 'cron(0 2 * * ? *)',
          firings: [],
          approximate: false,
        },
        { name: 'isales-events', state: 'ENABLED', firings: [], approximate: false },
        {
          name: 'isales-odd',
          state: 'ENABLED',
          schedule: 'cron(bad)',
          firings: [],
          approximate: false,
          unreadable: true,
        },
      ],
    },
    ecs: {
      cluster: 'luckyus-prod',
      services: ['isales-market-service'],
      stoppedHidden: false,
      tasks: [
        { taskId: 'a1', service: 'isales-market-service', lastStatus: 'RUNNING', startedAt: at('13:56') },
        {
          taskId: 'b2',
          service: 'isales-market-service',
          lastStatus: 'STOPPED',
          startedAt: at('13:40'),
          stoppedAt: at('14:00'),
        },
      ],
    },
    candidates: [
      {
        kind: 'pattern',
        name: 'esc:<!channel>:*',
        activity,
        start: at('13:57'),
        score: 0.93,
        leadMinutes: 1,
        bytesDelta: 3_000_000,
        keysDelta: 2500,
      },
      {
        kind: 'rule',
        name: 'isales-<@U1>',
        activity: minutes('13:47', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        start: at('13:57'),
        score: 0.4,
      },
    ],
  };
}

describe('burst report in words', () => {
  for (const lang of ['en', 'zh'] as const) {
    it(`renders every section in ${lang}, Slack-safe`, () => {
      const t = i18n.slack(lang);
      const doc = buildBurstDoc(report(), { t, lang, esc: escapeMrkdwn });
      const text = docToMrkdwn(doc);
      for (const message of docsToMessages([doc], () => t)) {
        for (const s of mrkdwnOf(message)) expect(s).not.toMatch(/<!(channel|here)>|<@U1>/);
      }
      expect(text).toContain('cron(57 13 * * ? *)');
      expect(text).toContain('events:ListRules');
      if (lang === 'zh') expect(zhStyleProblems(text, { mrkdwn: true })).toEqual([]);
    });
  }

  it('states the write-time assumption and the burst start from Redis', () => {
    const t = i18n.plain('en');
    const text = docToMrkdwn(buildBurstDoc(report(), { t, lang: 'en' }));
    expect(text).toContain('One TTL (`esc:<!channel>:*`): remaining TTL + OBJECT IDLETIME was alike');
    expect(text).toContain('From Redis alone, the burst started at about 13:57');
  });

  it('the Redis-alone start names the pattern it was dated from and the TTL it assumed', () => {
    // A pattern written with varying TTLs gets a start that can be many minutes off: the sentence
    // that gives the time must say what it rests on, not only a note further down.
    for (const lang of ['en', 'zh'] as const) {
      const t = i18n.plain(lang);
      const doc = buildBurstDoc(report(), { t, lang });
      const line = docToMrkdwn(doc)
        .split('\n')
        .find((l) => l.includes('13:57') && (l.includes('Redis alone') || l.includes('仅根据 Redis')));
      expect(line).toContain('esc:<!channel>:*');
      expect(line).toContain(lang === 'en' ? '20 min' : '20 分钟');
      if (lang === 'zh') expect(zhStyleProblems(line ?? '', { verbatim: ['esc:<!channel>:*'] })).toEqual([]);
    }
  });

  it('remaining TTLs read in minutes and seconds, not as a count of seconds', () => {
    const r = report();
    const young = r.youngKeys?.patterns[0];
    if (young) young.ttl = { minMs: 45_000, medianMs: 1_788_000, maxMs: 1_788_400 };
    for (const [lang, expected] of [
      ['en', ['45 s', '29 min 48 s']],
      ['zh', ['45 秒', '29 分 48 秒']],
    ] as const) {
      const text = docToMrkdwn(buildBurstDoc(r, { t: i18n.plain(lang), lang }));
      for (const e of expected) expect(text).toContain(e);
      expect(text).not.toMatch(/1788|seconds/);
    }
  });

  it('zh: a scheduled rule "按计划应在…触发", an event rule "按事件模式触发", no English left', () => {
    const r = report();
    const text = docToMrkdwn(buildBurstDoc(r, { t: i18n.plain('zh'), lang: 'zh' }));
    const fired = text.split('\n').find((l) => l.includes('cron(57 13')) ?? '';
    expect(fired).toContain('按计划应在 13:57 触发');
    expect(fired).not.toContain('本应');
    const events = text.split('\n').find((l) => l.includes('isales-events')) ?? '';
    expect(events).toContain('事件模式');
    expect(events).not.toContain('event pattern');
  });

  it('draws the timeline chart', async () => {
    const png = await renderBurstChart(report(), i18n.plain('zh'), 'zh');
    expect(png?.subarray(1, 4).toString()).toBe('PNG');
    if (process.env.BURST_CHART_OUT && png)
      (await import('node:fs')).writeFileSync(process.env.BURST_CHART_OUT, png);
  });
});
