import type { types } from '@slack/bolt';
import { stringify } from 'yaml';
import { draftTtlRule, suggestTtl } from '../../census/rule-draft.js';
import type { CensusResult } from '../../census/types.js';
import { escapeMrkdwn, truncate, truncateMrkdwn } from '../../i18n/mrkdwn.js';
import type { Translate } from '../../i18n/types.js';
import type { CensusView } from '../../presenters/census-view.js';
import { ActionId } from '../action-ids.js';

type KnownBlock = types.KnownBlock;

/** Section text limit (design notes): the table is cut to the rows that fit, never mid-row. */
const SECTION_MAX = 2900;
/** Draft-rule buttons offered, biggest no-TTL patterns first. */
const MAX_DRAFT_BUTTONS = 5;

/** What a Draft TTL rule button carries (≤ 2000 chars; patterns are bounded). */
export interface DraftRuleValue {
  cluster: string;
  pattern: string;
  keysWithoutTtl: number;
  ttl: string;
  /** Keys of other patterns the glob also selects (absent or 0: none). */
  overlapKeys?: number;
}

/** The census table for the thread: totals, the top patterns (no-TTL ones flagged), draft-rule buttons. */
export function censusResultMessage(
  view: CensusView,
  result: CensusResult,
  t: Translate,
  extra: { grew?: string[] } = {},
): { text: string; blocks: KnownBlock[] } {
  const header = `${t('census:col.pattern')} | ${t('census:col.keys')} | ${t('census:col.without_ttl')} | ${t('census:col.memory')} | ${t('census:col.memory_share')} | ${t('census:col.ttl_spread')}`;
  const lines: string[] = [];
  let size = header.length + 8;
  for (const r of view.rows) {
    const line = `${r.neverExpires ? '!' : ' '} ${r.pattern} | ${r.keys} | ${r.keysWithoutTtl} | ${r.bytes} | ${r.memoryShare} | ${r.ttlSpread}`;
    if (size + line.length + 1 > SECTION_MAX) break;
    lines.push(line);
    size += line.length + 1;
  }
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${view.title}*\n${view.summary}\n${view.totals}\n${view.neverExpiresLine}`,
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${header}\n${lines.join('\n')}\`\`\`` } },
  ];
  const context = [t('census:legend_never_expires'), ...view.notes].join('\n');
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: truncateMrkdwn(context, SECTION_MAX) }],
  });
  if (extra.grew && extra.grew.length > 0) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncateMrkdwn(extra.grew.join('\n'), SECTION_MAX) },
    });
  }
  const drafts = result.patterns
    .filter((p) => p.keysWithoutTtl > 0 && p.pattern.length <= 500)
    .sort((a, b) => b.keysWithoutTtl - a.keysWithoutTtl)
    .slice(0, MAX_DRAFT_BUTTONS);
  if (drafts.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: 'census_drafts',
      elements: drafts.map((p, i) => ({
        type: 'button' as const,
        action_id: `${ActionId.DraftTtlRule}_${i}`,
        text: {
          type: 'plain_text' as const,
          text: truncate(t('census:button.draft_rule', { pattern: p.pattern }), 75),
        },
        value: JSON.stringify({
          cluster: result.cluster,
          pattern: p.pattern,
          keysWithoutTtl: p.keysWithoutTtl,
          ttl: suggestTtl(p),
          ...(p.overlapKeys ? { overlapKeys: p.overlapKeys } : {}),
        } satisfies DraftRuleValue),
      })),
    });
  }
  return { text: t('census:slack.notification', { title: view.title, totals: view.totals }), blocks };
}

/** The single progress message: a bar and numbers, with Cancel while it runs. */
export function censusProgressMessage(
  t: Translate,
  input: { cluster: string; text: string; running: boolean },
): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: input.text } }];
  if (input.running) {
    blocks.push({
      type: 'actions',
      block_id: 'census_progress',
      elements: [
        {
          type: 'button',
          action_id: ActionId.CensusCancel,
          style: 'danger',
          text: { type: 'plain_text', text: t('census:button.cancel') },
          value: JSON.stringify({ cluster: input.cluster }),
        },
      ],
    });
  }
  return { text: input.text, blocks };
}

/** A ten-character progress bar for mrkdwn. */
export function progressBar(fraction: number): string {
  const filled = Math.max(0, Math.min(10, Math.round(fraction * 10)));
  return `${'█'.repeat(filled)}${'░'.repeat(10 - filled)}`;
}

/**
 * The answer to a Draft TTL rule button: a ready-to-edit rule as YAML. `plain` words the rule's note
 * (YAML text, escaped once with the rest of the block).
 */
export function draftRuleMessage(t: Translate, plain: Translate, value: DraftRuleValue): { text: string } {
  const draft = draftTtlRule({ ...value, note: plain('census:slack.draft_rule_note') });
  const yamlText = stringify({ rules: [draft] }, { lineWidth: 0 });
  // The glob is the family's narrowest; when it still selects other patterns' keys, say how many.
  const overlap = value.overlapKeys
    ? `\n${t('census:slack.draft_rule_overlap', { keys: value.overlapKeys })}`
    : '';
  return {
    text: `${t('census:slack.draft_rule_title', { pattern: value.pattern })}\n${t('census:slack.draft_rule_intro')}${overlap}\n\`\`\`${escapeMrkdwn(yamlText)}\`\`\``,
  };
}

/** Parses a Draft TTL rule button value defensively (it round-trips through Slack). */
export function decodeDraftRule(raw: string | undefined): DraftRuleValue | undefined {
  try {
    const v = JSON.parse(raw ?? '') as Partial<DraftRuleValue>;
    if (
      typeof v.cluster !== 'string' ||
      typeof v.pattern !== 'string' ||
      typeof v.keysWithoutTtl !== 'number'
    ) {
      return undefined;
    }
    const ttl = typeof v.ttl === 'string' && /^\d+[smhd]$/.test(v.ttl) ? v.ttl : '30d';
    const overlap =
      typeof v.overlapKeys === 'number' && Number.isInteger(v.overlapKeys) && v.overlapKeys > 0
        ? { overlapKeys: v.overlapKeys }
        : {};
    return { cluster: v.cluster, pattern: v.pattern, keysWithoutTtl: v.keysWithoutTtl, ttl, ...overlap };
  } catch {
    return undefined;
  }
}
