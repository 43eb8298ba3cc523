/**
 * Every Block Kit builder that shows text from outside the bot, fed seeded random hostile text (key
 * names as raw bytes, patterns, rule names and notes, typed arguments, actors, audit reasons): each
 * message is well-formed UTF-16, has no `<`/`>` in mrkdwn but the mentions the bot built from
 * checked ids, no unbalanced ``` fence, and stays within Slack's limits.
 */
import { describe, expect, it } from 'vitest';
import { PatternTable } from '../../src/census/pattern-table.js';
import type { CensusResult, ScannedKey } from '../../src/census/types.js';
import type { MedicConfig } from '../../src/config/types.js';
import { createI18n } from '../../src/i18n/index.js';
import { escapeMrkdwn } from '../../src/i18n/mrkdwn.js';
import type { AuditEntry } from '../../src/incidents/audit-log.js';
import { buildCensusView } from '../../src/presenters/census-view.js';
import type { DryRun, TtlRule } from '../../src/remediation/types.js';
import { censusResultMessage, draftRuleMessage } from '../../src/slack/blocks/census.js';
import { clusterHelpMessage } from '../../src/slack/blocks/help.js';
import {
  approvalRequestMessage,
  auditListMessage,
  dryRunResultMessage,
  ruleListMessage,
} from '../../src/slack/blocks/remediation.js';
import { parseClusterArgs } from '../../src/slack/cluster-args.js';
import { randomText, rng, slackProblems } from '../support/hostile-text.js';

const i18n = createI18n({ strict: true });
const SEED = 0xb10c5;
const CASES = 500;

/** Slack's limits (design notes): section text 3000, button text 75, button value 2000. */
function limitProblems(message: { blocks?: unknown }): string[] {
  const problems: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const text = o.text as { text?: string } | undefined;
      if (o.type === 'section' && (text?.text?.length ?? 0) > 3000) problems.push('section > 3000');
      if (o.type === 'button') {
        if ((text?.text?.length ?? 0) > 75) problems.push(`button text > 75: ${text?.text}`);
        if (String(o.value ?? '').length > 2000) problems.push('button value > 2000');
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(message.blocks);
  return problems;
}

function expectSafe(message: { text?: unknown; blocks?: unknown }, where: string): void {
  expect([...slackProblems(message), ...limitProblems(message)], where).toEqual([]);
}

/** Raw key bytes: hostile text as UTF-8, sometimes with bytes that aren't UTF-8 at all. */
function keyBytes(next: () => number): Buffer {
  const text = Buffer.from(randomText(next, 12));
  if (next() < 0.3) return Buffer.concat([text, Buffer.from([0xff, 0xc3, 0x00, 0x80])]);
  return text;
}

function rule(next: () => number): TtlRule {
  return {
    name: randomText(next, 10) || 'r',
    match: `${randomText(next, 10)}*`,
    action: next() < 0.5 ? 'set-missing' : 'cap',
    ttlSec: 86_400,
    jitter: 0.1,
    includeMissing: false,
    allowBroad: false,
    risk: 'low',
    ...(next() < 0.5 ? { note: randomText(next) } : {}),
  };
}

function dryRun(next: () => number, r: TtlRule): DryRun {
  return {
    id: 'dr-1',
    rule: r,
    cluster: 'market',
    at: '2026-02-12T14:38:00.000Z',
    matched: 10,
    keysWithoutTtl: 10,
    keysAboveCap: 0,
    toChange: 10,
    ttlSpread: { none: 10, lt1h: 0, lt1d: 0, lt7d: 0, lt30d: 0, lt90d: 0, ge90d: 0 },
    bytesToFree: 1_000,
    // What the engine stores: display names (its own job), never escaped for mrkdwn.
    samples: Array.from({ length: 10 }, () => randomText(next, 80)),
    estimatedDurationSec: 10,
    durationMs: 100,
    walked: 10,
    complete: true,
  };
}

function census(next: () => number): CensusResult {
  const table = new PatternTable();
  for (let family = 0; family < 8; family++) {
    const prefix = keyBytes(next);
    for (let i = 0; i < 20; i++) {
      const key: ScannedKey = {
        name: Buffer.concat([prefix, Buffer.from(`:${i}`)]),
        type: 'string',
        pttlMs: next() < 0.5 ? -1 : 60_000,
        bytes: 100,
      };
      table.add(key);
    }
  }
  const figures = table.result();
  return {
    cluster: 'market',
    startedAt: '2026-02-12T14:35:00.000Z',
    finishedAt: '2026-02-12T14:36:12.000Z',
    scannedKeys: figures.totalKeys,
    dbsize: figures.totalKeys,
    sampled: false,
    fraction: 1,
    totalKeys: figures.totalKeys,
    totalKeysWithoutTtl: figures.totalKeysWithoutTtl,
    totalBytes: figures.totalBytes,
    bytesEstimated: false,
    patterns: figures.patterns,
    overflowFolded: figures.overflowFolded,
    durationMs: 72_000,
    keysPerSec: 2_780,
    vanished: 0,
    throttlePauses: 0,
  };
}

/** An id Slack could send, or a forged one. */
function actor(next: () => number): string {
  const pick = next();
  if (pick < 0.3) return 'U0ONCALL';
  if (pick < 0.5) return `cli:${randomText(next, 5)}`;
  return randomText(next, 8);
}

describe(`Block Kit builders on hostile text (${CASES} seeded cases each, seed ${SEED})`, () => {
  for (const lang of ['en', 'zh'] as const) {
    const t = i18n.slack(lang);

    it(`${lang}: dry-run result and approval request (samples, rule, note, requester)`, () => {
      const next = rng(SEED);
      for (let i = 0; i < CASES; i++) {
        const r = rule(next);
        const d = dryRun(next, r);
        const where = `seed ${SEED} case ${i}`;
        expectSafe(dryRunResultMessage(t, lang, d, { user: actor(next), maxAgeMinutes: 30 }), where);
        expectSafe(
          approvalRequestMessage(t, lang, {
            request: {
              id: 'req-1',
              dryRunId: d.id,
              cluster: 'market',
              rule: r.name,
              requester: actor(next),
              createdAt: d.at,
              expiresAt: d.at,
              state: 'pending',
              incidentId: 'inc-1',
              channel: 'C0MARKET',
              threadTs: '1.1',
              messageTs: '1.2',
              toChange: 10,
              matched: 10,
            },
            dryRun: d,
            status: {
              kind: 'open',
              approvers: { users: ['UAPPROVER'], groups: ['SONCALL'] },
            },
          }),
          where,
        );
        expectSafe(ruleListMessage(t, { cluster: 'market', rules: [r, rule(next)] }), where);
      }
    }, 120_000);

    it(`${lang}: audit list (actors, rules, reasons, channels)`, () => {
      const next = rng(SEED + 1);
      for (let i = 0; i < CASES; i++) {
        const entries: AuditEntry[] = Array.from({ length: 5 }, (_, n) => ({
          id: `1-${n}`,
          at: '2026-02-12T14:38:00.000Z',
          actor: actor(next),
          action: 'refused',
          cluster: 'market',
          ...(next() < 0.5 ? { rule: randomText(next, 10) } : { channel: randomText(next, 4) }),
          reason: randomText(next, 6),
        }));
        expectSafe(auditListMessage(t, lang, { entries }), `seed ${SEED + 1} case ${i}`);
      }
    }, 120_000);

    it(`${lang}: census table, draft-rule buttons and the draft they answer with (binary and hostile key names)`, () => {
      const next = rng(SEED + 2);
      for (let i = 0; i < CASES / 5; i++) {
        const result = census(next);
        const where = `seed ${SEED + 2} case ${i}`;
        const view = buildCensusView(result, { t, lang, esc: escapeMrkdwn, top: 15 });
        const message = censusResultMessage(view, result, t);
        expectSafe(message, where);
        const p = result.patterns[0];
        if (p) {
          const draft = draftRuleMessage(t, i18n.plain(lang), {
            cluster: 'market',
            pattern: p.pattern,
            keysWithoutTtl: p.keysWithoutTtl,
            ttl: '30d',
          });
          expectSafe(draft, where);
        }
      }
    }, 120_000);

    it(`${lang}: the help that echoes what was typed`, () => {
      const next = rng(SEED + 3);
      const config = { clusters: [{ name: 'market' }], slack: { channels: {} } } as unknown as MedicConfig;
      for (let i = 0; i < CASES; i++) {
        const typed = randomText(next, 80);
        const args = parseClusterArgs(typed, config, 'C0MARKET');
        if (args.kind !== 'help') continue;
        const message = clusterHelpMessage(t, {
          command: 'status',
          ...(args.problemKey ? { problemKey: args.problemKey } : {}),
          ...(args.problemValues ? { problemValues: args.problemValues } : {}),
          clusters: ['market'],
        });
        expectSafe(message, `seed ${SEED + 3} case ${i}: ${JSON.stringify(typed)}`);
      }
    }, 120_000);
  }
});
