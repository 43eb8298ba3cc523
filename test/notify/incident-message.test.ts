import { describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n/index.js';
import { escapeMrkdwn } from '../../src/i18n/mrkdwn.js';
import type { Lang } from '../../src/i18n/types.js';
import type { AuditEntry } from '../../src/incidents/audit-log.js';
import type { TimelineEntry } from '../../src/incidents/incident-store.js';
import { buildIncidentFacts, type IncidentFacts } from '../../src/notify/incident-facts.js';
import { rootCauseSnapshot } from '../../src/notify/load-facts.js';
import { incidentMessage, langsOf, type MessageEdits } from '../../src/presenters/incident-message.js';
import { type DocBlock, docToMarkdown, type MessageDoc } from '../../src/presenters/message-doc.js';
import type { TtlRule } from '../../src/remediation/types.js';
import { docsToMessages } from '../../src/slack/blocks/message-doc-blocks.js';
import { notifyModal } from '../../src/slack/blocks/notify-modal.js';
import {
  APPROVER,
  CLUSTER,
  census,
  incident,
  patterns,
  REQUESTER,
  rules,
  timeline,
} from '../fixtures/incident.js';

const i18n = createI18n({ strict: true });

const cliRun: AuditEntry = {
  id: '1770911400000-0',
  at: '2026-02-12T15:50:00.000Z',
  actor: 'cli:alice',
  action: 'run_finished',
  cluster: CLUSTER,
  rule: 'last-activity',
  counts: { changed: 120_000, skipped: 254_639 },
  via: 'cli',
  runId: 'cli-run-1',
};

function facts(): IncidentFacts {
  return buildIncidentFacts({ cluster: CLUSTER, incident, timeline, audit: [cliRun], census, rules });
}

const edits: MessageEdits = { author: REQUESTER, owner: 'U07DEVOWN', deadline: '2026-02-20', targetPct: 75 };

function message(lang: Lang, e: MessageEdits = edits, flavor: 'slack' | 'markdown' = 'slack'): MessageDoc {
  return incidentMessage(facts(), lang, i18n, e, { flavor });
}

/** The blocks between a section heading and the next heading. */
function section(doc: MessageDoc, lang: Lang, key: string): DocBlock[] {
  const heading = i18n.plain(lang)(`notify:section.${key}`);
  const start = doc.blocks.findIndex((b) => b.kind === 'heading' && b.text === heading);
  expect(start, `section ${key}`).toBeGreaterThanOrEqual(0);
  const end = doc.blocks.findIndex((b, i) => i > start && b.kind === 'heading');
  return doc.blocks.slice(start + 1, end < 0 ? undefined : end);
}
const textOf = (blocks: DocBlock[]) =>
  blocks
    .map((b) =>
      b.kind === 'bullets'
        ? b.items.join('\n')
        : b.kind === 'table'
          ? b.rows.map((r) => r.join(' | ')).join('\n')
          : b.text,
    )
    .join('\n');
const bulletsOf = (blocks: DocBlock[]) => blocks.flatMap((b) => (b.kind === 'bullets' ? b.items : []));
const tableOf = (blocks: DocBlock[]) => {
  const table = blocks.find((b) => b.kind === 'table');
  if (table?.kind !== 'table') throw new Error('no table');
  return table;
};

describe('incident facts (from the incident record)', () => {
  it('takes the peak, the latest reading, the census and each rule’s outcome', () => {
    const f = facts();
    expect(f.peak).toEqual({ pct: 89.4, at: new Date('2026-02-12T14:16:00Z') });
    expect(f.latest).toEqual({ pct: 74.6, at: new Date('2026-02-12T16:40:00Z') });
    expect(f.keysWithoutTtl).toBe(329_044);
    // At fault: patterns with keys that never expire, most never-expiring memory first.
    expect(f.patternsAtFault.map((p) => p.pattern)).toEqual([
      'MARKETING:COUPON:UNREAD:*',
      'contact:userGroupLabel:set:*',
      'tmp:session:*',
      'exchange:coupon:high:commodity:price:*',
      'evil:<!channel>:*',
    ]);
    expect(f.patternsAtFault[0]?.rule).toBe('coupon-unread');
    expect(f.patternsAtFault.find((p) => p.pattern === 'tmp:session:*')?.rule).toBeUndefined();
    const byName = new Map(f.rules.map((r) => [r.name, r]));
    expect([...byName.keys()]).toEqual([
      'coupon-unread',
      'user-group-label',
      'exchange-price',
      'last-activity',
    ]);
    expect(byName.get('coupon-unread')).toMatchObject({
      status: 'done',
      changed: 147_111,
      toChange: 147_111,
    });
    expect(byName.get('coupon-unread')?.remainingWithoutTtl).toBe(0);
    expect(byName.get('last-activity')).toMatchObject({ status: 'done', changed: 120_000 });
    expect(byName.get('user-group-label')?.status).toBe('failed');
    // Six status readings (a Refresh is one): first, peak and last kept, three folded.
    expect(f.timeline.filter((e) => e.kind === 'status').map((e) => e.memoryPct)).toEqual([87.1, 89.4, 78.2]);
    expect(f.timelineFolded).toBe(3);
    expect(f.timeline.map((e) => e.at.getTime())).toEqual([...f.timeline.map((e) => e.at.getTime())].sort());
    expect(
      f.timeline.some((e) => e.kind === 'ttl_run_finished' && e.actor === 'cli:alice' && e.keys === 120_000),
    ).toBe(true);
  });

  it('without an incident, the audit log and census still make a message', () => {
    const f = buildIncidentFacts({ cluster: CLUSTER, audit: [cliRun], census, rules });
    expect(f.incidentId).toBeUndefined();
    expect(f.peak).toBeUndefined();
    expect(f.timeline).toHaveLength(1);
    const doc = incidentMessage(f, 'en', i18n, { author: 'cli:bob', targetPct: 75 }, { flavor: 'markdown' });
    expect(textOf(doc.blocks)).toContain('No incident thread');
  });
});

describe('incident message, field by field', () => {
  const cases: { lang: Lang; expect: Record<string, (string | RegExp)[]> }[] = [
    {
      lang: 'en',
      expect: {
        summary: [
          'On 2026-02-12',
          'isales-market',
          '89.4%',
          '14:16 UTC',
          '329,044 keys had no TTL',
          // One set-missing rule gave keys a TTL; the cap rule only shortened TTLs already set.
          'gave 147,111 keys a TTL with 1 rule',
          'shortened the TTL of 120,000 keys (already set, but too long)',
          '74.6%',
        ],
        root_cause: [
          '329,044 of 2,623,709 keys (12.5%)',
          '`MARKETING:COUPON:UNREAD:*`: 147,111 of 147,111 keys without TTL, 512 MiB',
          '`tmp:session:*`: 4,000 of 5,000',
        ],
        code_changes: [
          '`MARKETING:COUPON:UNREAD:*`: set a TTL of 60 days (`EX 5184000`)',
          'read-heavy, regenerated on coupon events',
          '`contact:userGroupLabel:set:*`: set a TTL of 30 days (`EX 2592000`)',
          '177,450 keys never expire (key census of 2026-02-12 14:22 UTC, 300 MiB)',
          '`tmp:session:*`: no TTL agreed yet',
          // A cap rule whose keys all expire already still needs the code to agree (364 d → 90 d).
          '`contact:last:activity:*`: keep the TTL at or below 90 days (`EX 7776000`)',
          'existing keys got it from rule `last-activity`',
        ],
        timeline: [
          '2026-02-12 14:10 UTC · Incident opened by <@U07REQ1ST>',
          '2026-02-12 14:16 UTC · Status check: memory 89.4%',
          'Request for rule `coupon-unread` refused: the requester cannot approve their own request',
          'Rule `coupon-unread` approved by <@U07APPROV>',
          'Rule `coupon-unread` finished: 147,111 keys changed',
          'Rule `last-activity` finished: 120,000 keys changed',
          'Watch ended (target reached): memory 74.6%',
          '3 further status checks not listed',
          'Rule `user-group-label` failed (`redis_timeout`)',
          'Rule `coupon-unread` finished: 147,111 keys changed, 0 still without TTL',
        ],
        next_steps: [
          '<@U07DEVOWN>: ship the TTL changes above by Feb 20, 2026.',
          'user-group-label, exchange-price',
          'below 75%',
        ],
      },
    },
    {
      lang: 'zh',
      expect: {
        summary: [
          '2026-02-12',
          'isales-market',
          '89.4%',
          '14:16 UTC',
          '有 329,044 个 Key 没有设置 TTL',
          '1 条规则为 147,111 个 Key 设置了 TTL',
          '把 120,000 个 Key 过长的 TTL 降到上限以内',
          '74.6%',
        ],
        root_cause: [
          '2,623,709 个 Key 中有 329,044 个（12.5%）',
          '`MARKETING:COUPON:UNREAD:*`：147,111 个 Key 中 147,111 个无 TTL，占用 512 MiB',
        ],
        code_changes: [
          '`MARKETING:COUPON:UNREAD:*`：每次写入时设置 60 天的 TTL（`EX 5184000`）',
          '`contact:userGroupLabel:set:*`：每次写入时设置 30 天的 TTL（`EX 2592000`）',
          '`tmp:session:*`：尚未商定 TTL',
        ],
        timeline: [
          '2026-02-12 14:10 UTC · <@U07REQ1ST> 开启事故',
          '<@U07APPROV> 批准了规则 `coupon-unread`',
          '规则 `coupon-unread` 执行完成：修改了 147,111 个 Key',
          '观察结束（已达到目标）：内存 74.6%',
          '另有 3 次状态检查未列出',
          '规则 `user-group-label` 执行失败（`redis_timeout`）',
        ],
        next_steps: [
          '<@U07DEVOWN>：请在 2026 年 2 月 20 日前上线上述 TTL 改动。',
          'user-group-label、exchange-price',
        ],
      },
    },
  ];

  for (const c of cases) {
    it(`${c.lang}: summary, root cause, code changes, timeline and next steps carry the incident's figures`, () => {
      const doc = message(c.lang);
      expect(doc.title).toContain(CLUSTER);
      for (const [key, wanted] of Object.entries(c.expect)) {
        const text = textOf(section(doc, c.lang, key));
        for (const w of wanted) expect(text, `${c.lang} ${key}`).toContain(w);
      }
      // The timeline lists events in time order, one bullet each.
      const lines = bulletsOf(section(doc, c.lang, 'timeline'));
      const stamps = lines.map((l) => l.slice(0, 20)).filter((s) => /^\d{4}-/.test(s));
      expect(stamps).toEqual([...stamps].sort());
      expect(stamps).toHaveLength(facts().timeline.length);
    });

    it(`${c.lang}: the TTL policy table has one row per rule with TTL, action, risk, changes and status`, () => {
      const t = i18n.plain(c.lang);
      const table = tableOf(section(message(c.lang), c.lang, 'policy'));
      expect(table.columns).toEqual(
        ['pattern', 'ttl', 'action', 'risk', 'changed', 'status'].map((k) => t(`notify:policy.col.${k}`)),
      );
      const row = (match: string) => table.rows.find((r) => r[0] === match);
      expect(row('MARKETING:COUPON:UNREAD:*')).toEqual([
        'MARKETING:COUPON:UNREAD:*',
        t('remediation:unit.days', { count: 60 }),
        t('notify:policy.action.set-missing'),
        t('approval:risk.low'),
        '147,111',
        t('notify:policy.status.done'),
      ]);
      expect(row('contact:userGroupLabel:set:*')?.slice(1)).toEqual([
        t('remediation:unit.days', { count: 30 }),
        t('notify:policy.action.set-missing'),
        t('approval:risk.medium'),
        '—',
        t('notify:policy.status.failed'),
      ]);
      expect(row('contact:last:activity:*')?.slice(1, 3)).toEqual([
        t('remediation:unit.days', { count: 90 }),
        t('notify:policy.action.cap'),
      ]);
      expect(table.rows.some((r) => r[0] === 'x:*')).toBe(false); // another cluster's rule
    });
  }

  it('both = English then Chinese, each a whole message', () => {
    expect(langsOf('both')).toEqual(['en', 'zh']);
    const docs = langsOf('both').map((l) => message(l));
    expect(docs.map((d) => d.lang)).toEqual(['en', 'zh']);
    expect(docs[1]?.title).toMatch(/[\u4e00-\u9fff]/);
  });

  it('Markdown for email: mentions as @id, tables as GFM tables, patterns in code spans', () => {
    const md = docToMarkdown(message('en', edits, 'markdown'));
    expect(md).toMatch(/^# Redis memory incident on isales-market/);
    expect(md).toContain('## Timeline');
    expect(md).toContain('| Pattern | TTL | Action | Risk | Keys changed | Status |');
    expect(md).toContain('| `MARKETING:COUPON:UNREAD:*` | 60 days |');
    expect(md).toContain('@U07REQ1ST');
    expect(md).not.toContain('<@');
  });
});

describe('user and Redis text never pings anyone', () => {
  const evil = '<!channel> ping & <@U123|x> <!here>';
  const raw = /<!channel>|<!here>|<@U123\|x>/;

  it('an edited summary, a typed owner and a key pattern are shown literally', () => {
    for (const lang of ['en', 'zh'] as const) {
      const doc = message(lang, { ...edits, owner: evil, summary: { en: evil, zh: evil } });
      const all = textOf(doc.blocks);
      expect(all).not.toMatch(raw);
      expect(all).toContain('&lt;!channel&gt; ping &amp; &lt;@U123|x&gt;');
      expect(all).toContain('evil:&lt;!channel&gt;:*');
      const table = tableOf(section(doc, lang, 'policy'));
      expect(table.rows.flat().join(' ')).not.toMatch(raw);
      for (const m of docsToMessages([doc], () => i18n.slack(lang)))
        expect(JSON.stringify(m)).not.toMatch(raw);
    }
  });

  it('mentions the bot builds itself stay mentions', () => {
    const all = textOf(message('en').blocks);
    expect(all).toContain('<@U07DEVOWN>');
    expect(all).toContain(`<@${APPROVER}>`);
  });
});

describe('Block Kit within Slack limits', () => {
  // Slack's documented limits (design notes), kept independent of the code's own constants.
  const LIMITS = {
    blocks: 50,
    section: 3000,
    header: 150,
    context: 3000,
    fields: 10,
    field: 2000,
    total: 13_000,
  };

  function checkMessage(m: { text: string; blocks: Record<string, unknown>[] }) {
    expect(m.text.length).toBeGreaterThan(0);
    expect(m.text.length).toBeLessThanOrEqual(40_000);
    expect(m.blocks.length).toBeGreaterThan(0);
    expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    let total = 0;
    for (const b of m.blocks) {
      const block = b as {
        type: string;
        text?: { type: string; text: string };
        fields?: { text: string }[];
        elements?: { type: string; text: string }[];
      };
      expect(['header', 'section', 'context', 'divider']).toContain(block.type);
      if (block.type === 'header') {
        expect(block.text?.type).toBe('plain_text');
        expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.header);
      }
      if (block.type === 'section') {
        expect(block.text?.type).toBe('mrkdwn');
        expect((block.text?.text ?? '').length).toBeGreaterThan(0);
        expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.section);
        expect(block.fields?.length ?? 0).toBeLessThanOrEqual(LIMITS.fields);
        for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(LIMITS.field);
      }
      if (block.type === 'context') {
        expect(block.elements?.length ?? 0).toBeGreaterThan(0);
        for (const e of block.elements ?? []) expect(e.text.length).toBeLessThanOrEqual(LIMITS.context);
      }
      total += (block.text?.text.length ?? 0) + (block.elements ?? []).reduce((s, e) => s + e.text.length, 0);
      // A code fence opened in a section is closed in the same section.
      if (block.text) expect((block.text.text.match(/```/g) ?? []).length % 2).toBe(0);
    }
    expect(total).toBeLessThanOrEqual(LIMITS.total);
  }

  it('the fixture incident fits, in each language and in both', () => {
    for (const mode of ['en', 'zh', 'both'] as const) {
      const docs = langsOf(mode).map((l) => message(l));
      const messages = docsToMessages(docs, (d) => i18n.slack(d.lang));
      expect(messages.length).toBeGreaterThanOrEqual(docs.length);
      for (const m of messages)
        checkMessage(m as unknown as { text: string; blocks: Record<string, unknown>[] });
    }
  });

  it('a huge incident is split into several messages in order, nothing cut off', () => {
    const many = Array.from({ length: 400 }, (_, i) => ({
      ...patterns.session,
      pattern: `tenant${String(i).padStart(3, '0')}:cache:${'x'.repeat(40)}:*`,
      keysWithoutTtl: 1000 + i,
    }));
    const longTimeline = Array.from({ length: 300 }, (_, i) => ({
      at: new Date(Date.UTC(2026, 1, 12, 15, 0, i)).toISOString(),
      kind: 'ttl_dry_run',
      actor: REQUESTER,
      data: { rule: `rule-${String(i).padStart(3, '0')}`, toChange: i },
    }));
    const f = buildIncidentFacts({
      cluster: CLUSTER,
      incident,
      timeline: [...timeline, ...longTimeline],
      census: { ...census, patterns: many },
      rules,
      maxPatterns: 400,
    });
    const longSummary = `${'A very long summary sentence. '.repeat(300)}END`;
    for (const lang of ['en', 'zh'] as const) {
      const doc = incidentMessage(
        f,
        lang,
        i18n,
        { ...edits, summary: { [lang]: longSummary } },
        { flavor: 'slack' },
      );
      const messages = docsToMessages([doc], () => i18n.slack(lang));
      expect(messages.length).toBeGreaterThan(2);
      for (const m of messages)
        checkMessage(m as unknown as { text: string; blocks: Record<string, unknown>[] });
      const joined = messages
        .flatMap((m) => m.blocks)
        .map((b) => JSON.stringify(b))
        .join('\n');
      // Every pattern and every timeline entry appears, in order.
      let last = -1;
      expect(f.patternsAtFault).toHaveLength(many.length);
      for (const p of f.patternsAtFault) {
        const at = joined.indexOf(`${p.pattern.slice(0, 9)}:cache`);
        expect(at, p.pattern).toBeGreaterThan(last);
        last = at;
      }
      last = -1;
      for (let i = 0; i < 300; i++) {
        const at = joined.indexOf(`rule-${String(i).padStart(3, '0')}`);
        expect(at, `timeline ${i}`).toBeGreaterThan(last);
        last = at;
      }
      // The summary is split at words, every character kept: its sections joined give it back.
      const summaryParts = messages
        .flatMap((m) => m.blocks)
        .map((b) => (b.type === 'section' ? (b.text?.text ?? '') : ''))
        .filter((x) => x.includes('A very long summary sentence.') || x.endsWith('END'));
      expect(summaryParts.length).toBeGreaterThan(1);
      expect(summaryParts.join(' ')).toBe(longSummary);
      expect(messages.map((m) => m.text)).toEqual(
        messages.map((_, i) =>
          i18n.plain(lang)('notify:part', { title: doc.title, n: i + 1, total: messages.length }),
        ),
      );
    }
  });
});

describe('facts follow the events as the writers store them', () => {
  it('rule events from Slack and the CLI apply in time order, and every run adds its keys', () => {
    const at = (m: number) => new Date(Date.UTC(2026, 1, 12, 14, m)).toISOString();
    const f = buildIncidentFacts({
      cluster: CLUSTER,
      incident,
      timeline: [
        {
          at: at(40),
          kind: 'ttl_run_cancelled',
          actor: APPROVER,
          data: { run: 'r1', rule: 'user-group-label', changed: 100 },
        },
        {
          at: at(50),
          kind: 'ttl_run_finished',
          actor: 'job',
          data: { run: 'r2', rule: 'user-group-label', changed: 5000 },
        },
      ],
      audit: [
        {
          ...cliRun,
          id: '1-0',
          at: at(20),
          action: 'dry_run',
          rule: 'user-group-label',
          runId: undefined,
          counts: { toChange: 177_450 },
        },
      ],
      rules,
    });
    const rule = f.rules.find((r) => r.name === 'user-group-label');
    expect(rule).toMatchObject({ status: 'done', changed: 5100, toChange: 177_450 });
  });

  it('a cancelled watch ends the watch in the timeline', () => {
    const f = buildIncidentFacts({
      cluster: CLUSTER,
      incident,
      timeline: [{ at: '2026-02-12T14:40:00Z', kind: 'watch_cancelled', actor: REQUESTER, data: {} }],
      rules: [],
    });
    const doc = incidentMessage(f, 'en', i18n, edits, { flavor: 'slack' });
    expect(textOf(section(doc, 'en', 'timeline'))).toContain('Watch ended (cancelled): memory —');
  });

  it('the root cause comes from the census before the first TTL run, not the verification census', () => {
    const entries: TimelineEntry[] = [
      { at: '2026-02-12T14:22:00Z', kind: 'census', data: { snapshot: 'before' } },
      { at: '2026-02-12T14:27:00Z', kind: 'ttl_run_started', data: { rule: 'x' } },
      { at: '2026-02-12T16:00:00Z', kind: 'census', data: { snapshot: 'after' } },
    ];
    expect(rootCauseSnapshot(entries)).toBe('before');
    expect(rootCauseSnapshot(entries.slice(1))).toBe('after');
    expect(rootCauseSnapshot([])).toBeUndefined();
  });

  it('an owner typed on the command line is text, never a mention', () => {
    const doc = incidentMessage(
      facts(),
      'en',
      i18n,
      { ...edits, owner: undefined, ownerText: 'USA' },
      { flavor: 'slack' },
    );
    expect(textOf(section(doc, 'en', 'next_steps'))).toContain('USA: ship the TTL changes above by');
    expect(textOf(doc.blocks)).not.toContain('<@USA>');
  });

  it('Markdown: text a person wrote cannot open a code span and smuggle raw HTML', () => {
    const attack = 'see \\`<img src=x onerror=alert(1)>\\` and `<b>x</b>` R&D';
    const md = docToMarkdown(message('en', { ...edits, summary: { en: attack } }, 'markdown'));
    expect(md).not.toMatch(/<img|<b>/);
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('wide tables and the form preview', () => {
  it('a 1 KB, escape-heavy rule pattern: the table becomes a list, within limits, nothing lost', () => {
    const wide = 'a&b<c>'.repeat(150);
    const f = buildIncidentFacts({
      cluster: CLUSTER,
      incident,
      timeline,
      census,
      rules: [...rules, { ...(rules[0] as TtlRule), name: 'wide', match: wide }],
    });
    const doc = incidentMessage(f, 'en', i18n, edits, { flavor: 'slack' });
    const messages = docsToMessages([doc], () => i18n.slack('en'));
    const sections = messages
      .flatMap((m) => m.blocks)
      .flatMap((b) => (b.type === 'section' ? [b.text?.text ?? ''] : []));
    for (const text of sections) expect(text.length).toBeLessThanOrEqual(3000);
    expect(sections.join('\n')).toContain(escapeMrkdwn(wide));
    expect(sections.join('\n')).toContain('Pattern: MARKETING:COUPON:UNREAD:* · TTL: 60 days');
  });

  it('the preview of 150 rules keeps code fences balanced and the form within 100 blocks', () => {
    const many = Array.from({ length: 150 }, (_, i) => ({
      ...(rules[0] as TtlRule),
      name: `rule-${i}`,
      match: `tenant${i}:cache:*`,
    }));
    const patternsMany = Array.from({ length: 800 }, (_, i) => ({
      ...patterns.session,
      pattern: `tenant${i}:cache:*`,
      keysWithoutTtl: 1000 + i,
    }));
    const f = buildIncidentFacts({
      cluster: CLUSTER,
      incident,
      timeline,
      census: { ...census, patterns: patternsMany },
      rules: many,
      maxPatterns: 800,
    });
    const docs = (['en', 'zh'] as const).map((l) => incidentMessage(f, l, i18n, edits, { flavor: 'slack' }));
    const view = notifyModal(i18n.slack('en'), {
      meta: { cluster: CLUSTER, origin: 'C0MARKET', lang: 'en' },
      drafts: { en: 'x', zh: 'y' },
      previews: docs,
    });
    const modal = view as { title: { text: string }; blocks: { type: string; text?: { text: string } }[] };
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    expect(modal.title.text.length).toBeLessThanOrEqual(24);
    for (const b of modal.blocks) {
      const text = b.type === 'section' ? (b.text?.text ?? '') : '';
      expect(text.length).toBeLessThanOrEqual(3000);
      expect((text.match(/```/g) ?? []).length % 2, text.slice(0, 80)).toBe(0);
    }
    expect(JSON.stringify(modal.blocks)).toContain('The preview is shortened here');
  });
});
