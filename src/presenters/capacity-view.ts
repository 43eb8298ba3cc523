/**
 * `/redis-capacity` and the first half of `advise`: the cluster, its memory, what the TTL rules will
 * free and when, the cost table in the runbook's shape, the projection per node and the
 * recommendation in the runbook's words, as a MessageDoc (Slack blocks, mrkdwn or Markdown).
 */
import type { CapacityReport } from '../capacity/types.js';
import { formatBytes, formatInt, formatList, formatPct } from '../i18n/format.js';
import type { Lang, Translate } from '../i18n/types.js';
import type { DocBlock, MessageDoc } from './message-doc.js';

export interface CapacityViewOptions {
  t: Translate;
  lang: Lang;
  /** Escapes raw names (patterns, rule names) for Slack mrkdwn; identity in a terminal. */
  esc?: (text: string) => string;
}

const GIB = 1024 ** 3;
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2 });
/** Prices per hour have up to four decimals (Valkey's 0.8×): show what the catalog says. */
const usdHour = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 4,
});

function day(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * 86_400_000).toISOString().slice(0, 10);
}

function recommendationText(r: CapacityReport, o: CapacityViewOptions): string {
  const { t, lang } = o;
  const rec = r.sizing.recommendation;
  switch (rec.kind) {
    case 'fix_ttls_first': {
      const base = t('capacity:rec.fix_ttls_first', {
        date: rec.reassessOn,
        freed: formatBytes(rec.freedBytes, lang),
        pct: formatPct(rec.peakPctAtReassess, lang),
      });
      return rec.ifInsufficient !== undefined
        ? t('common:sentences', {
            first: base,
            second: t('capacity:rec.if_insufficient', { node: rec.ifInsufficient }),
          })
        : base;
    }
    case 'scale':
      return t(
        rec.because === 'full_even_with_fixes' ? 'capacity:rec.scale_full' : 'capacity:rec.scale_critical',
        {
          node: rec.to,
          pct: formatPct(rec.peakPct, lang),
          days: rec.fullOnDay ?? 0,
          date: rec.fullOnDay !== undefined ? day(r.at, rec.fullOnDay) : '',
        },
      );
    case 'fits':
      return t('capacity:rec.fits', { pct: formatPct(rec.peakPct, lang), days: r.horizonDays });
    case 'no_larger_fits':
      return t('capacity:rec.no_larger_fits', {
        node: rec.largest ?? '—',
        pct: formatPct(rec.peakPct, lang),
      });
  }
}

function factsBlocks(r: CapacityReport, o: CapacityViewOptions): DocBlock[] {
  const { t, lang } = o;
  const f = r.elasticache;
  if (f === undefined) {
    return [
      {
        kind: 'paragraph',
        text: t('capacity:facts.self_hosted', {
          engine: r.redis.engine === 'valkey' ? 'Valkey' : 'Redis',
          host: formatBytes(r.redis.totalSystemMemoryBytes, lang),
          maxmemory: formatBytes(r.redis.maxmemoryBytes, lang),
          policy: r.redis.policy,
        }),
      },
    ];
  }
  return [
    {
      kind: 'table',
      columns: [t('capacity:facts.property'), t('capacity:facts.value')],
      rows: [
        [t('capacity:facts.node_type'), f.nodeType],
        [
          t('capacity:facts.engine'),
          `${f.engine === 'valkey' ? 'Valkey' : 'Redis OSS'} ${f.engineVersion ?? ''}`.trim(),
        ],
        [t('capacity:facts.nodes'), t('capacity:facts.nodes_value', { nodes: f.nodes, shards: f.shards })],
        [t('capacity:facts.multi_az'), f.multiAz ? t('capacity:yes') : t('capacity:no')],
        [t('capacity:facts.failover'), f.automaticFailover],
        [t('capacity:facts.cluster_mode'), f.clusterMode ? t('capacity:yes') : t('capacity:no')],
        [t('capacity:facts.parameter_group'), f.parameterGroup.name],
        [t('capacity:facts.reserved'), `${f.parameterGroup.reservedMemoryPercent}%`],
      ],
    },
  ];
}

/** The current node's name; a self-hosted server has no node type, so it is "this server". */
export function nodeName(r: CapacityReport, nodeType: string, t: Translate): string {
  return r.source === 'self_hosted' ? t('capacity:projection.this_server') : nodeType;
}

export function capacityDoc(r: CapacityReport, o: CapacityViewOptions): MessageDoc {
  const { t, lang } = o;
  const esc = o.esc ?? ((s: string) => s);
  const redis = r.redis;
  const blocks: DocBlock[] = [];
  blocks.push({ kind: 'heading', text: t('capacity:section.cluster') });
  blocks.push(...factsBlocks(r, o));

  blocks.push({ kind: 'heading', text: t('capacity:section.memory') });
  // What the sizing measured against: maxmemory, or the host's memory where maxmemory is 0.
  const limit = r.sizing.projections[0]?.maxmemoryBytes || redis.maxmemoryBytes;
  const usedPct = limit > 0 ? (redis.usedBytes / limit) * 100 : 0;
  const peak = r.sizing.burstBytes + redis.usedBytes;
  blocks.push({
    kind: 'bullets',
    items: [
      t(redis.maxmemoryBytes > 0 ? 'capacity:memory.used' : 'capacity:memory.used_no_limit', {
        used: formatBytes(redis.usedBytes, lang),
        max: formatBytes(limit, lang),
        pct: formatPct(usedPct, lang),
      }),
      t('capacity:memory.peak', {
        peak: formatBytes(peak, lang),
        pct: formatPct(limit > 0 ? (peak / limit) * 100 : 0, lang),
      }),
      r.growth.source === 'none'
        ? t('capacity:memory.growth_unknown')
        : t(`capacity:memory.growth_${r.growth.source}`, {
            perDay: formatBytes(Math.abs(r.growth.bytesPerDay), lang),
            sign: r.growth.bytesPerDay < 0 ? '−' : '+',
            days: Math.round(r.growth.days),
          }),
    ],
  });

  if (r.releases.length > 0) {
    blocks.push({ kind: 'heading', text: t('capacity:section.freed') });
    blocks.push({
      kind: 'table',
      columns: [
        t('capacity:freed.rule'),
        t('capacity:freed.keys'),
        t('capacity:freed.bytes'),
        t('capacity:freed.leaves'),
      ],
      rows: r.releases.map((rel) => [
        esc(rel.rule),
        formatInt(rel.keys, lang),
        formatBytes(rel.bytes, lang),
        t('capacity:freed.window', {
          from: day(r.at, rel.fromSec / 86_400),
          to: day(r.at, rel.toSec / 86_400),
        }),
      ]),
    });
    blocks.push({ kind: 'context', text: t('capacity:freed.assumption') });
  }

  if (r.rows.length > 0) {
    const nodes = r.rows[0] ? (r.elasticache?.nodes ?? 1) : 1;
    blocks.push({
      kind: 'heading',
      text: t('capacity:section.cost', { region: r.elasticache?.region ?? '', nodes }),
    });
    blocks.push({
      kind: 'table',
      columns: [
        t('capacity:cost.node_type'),
        t('capacity:cost.memory'),
        t('capacity:cost.maxmemory'),
        t('capacity:cost.vcpu'),
        t('capacity:cost.per_hour'),
        t('capacity:cost.monthly', { nodes }),
        t('capacity:cost.delta'),
      ],
      rows: r.rows.map((row) => [
        row.current ? t('capacity:cost.current', { node: row.nodeType }) : row.nodeType,
        `${row.memoryGib} GiB`,
        `${row.maxmemoryEstimated ? '~' : ''}${(row.maxmemoryBytes / GIB).toFixed(row.maxmemoryEstimated ? 1 : 2)} GiB`,
        String(row.vcpu),
        usdHour.format(row.usdPerHourPerNode),
        usd.format(row.monthlyUsd),
        row.current
          ? '—'
          : t('common:paren', {
              value: `+${usd.format(row.deltaUsd)}`,
              note: `+${formatPct(row.deltaPct, lang, 0)}`,
            }),
      ]),
    });
    blocks.push({
      kind: 'context',
      text: t('capacity:cost.note', {
        hours: r.catalog.hoursPerMonth,
        nodes,
        date: r.catalog.pricesAsOf,
        source: r.catalog.source,
      }),
    });
    if (r.unpriced.length > 0) {
      blocks.push({
        kind: 'context',
        text: t('capacity:cost.unpriced', { types: formatList(r.unpriced, lang) }),
      });
    }
  }

  blocks.push({ kind: 'heading', text: t('capacity:section.projection', { days: r.horizonDays }) });
  blocks.push({
    kind: 'table',
    columns: [
      t('capacity:projection.node'),
      t('capacity:projection.with_fixes'),
      t('capacity:projection.without_fixes'),
      t('capacity:projection.full_on'),
    ],
    rows: r.sizing.projections.map((p) => [
      p.current ? t('capacity:cost.current', { node: nodeName(r, p.nodeType, t) }) : p.nodeType,
      formatPct(p.maxPeakPct, lang),
      formatPct(p.maxPeakPctWithoutRules, lang),
      p.fullOnDay !== undefined ? day(r.at, p.fullOnDay) : '—',
    ]),
  });

  blocks.push({ kind: 'heading', text: t('capacity:section.recommendation') });
  blocks.push({ kind: 'paragraph', text: recommendationText(r, o) });
  const cpu = r.cpuCredits;
  if (cpu !== undefined && (cpu.low || cpu.falling)) {
    blocks.push({
      kind: 'paragraph',
      text: t('capacity:cpu_credits_warning', {
        balance: formatInt(Math.round(cpu.latest), lang),
        perHour: formatInt(Math.round(cpu.perHour), lang),
      }),
    });
  }
  if (r.unknowns.length > 0) {
    blocks.push({ kind: 'heading', text: t('capacity:section.unknowns') });
    blocks.push({ kind: 'bullets', items: r.unknowns.map((u) => t(`capacity:unknown.${u}`)) });
  }
  if (r.notes.length > 0) {
    blocks.push({
      kind: 'context',
      text: r.notes.map((n) => t(`status:${n.key}`, n.values ?? {})).join(' · '),
    });
  }
  return { lang, title: t('capacity:title', { cluster: r.cluster }), blocks };
}
