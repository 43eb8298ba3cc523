/**
 * The demo's verdict rests on a replayed trend (the runbook's curve), not on this server's history:
 * a reason like "burst keys are expiring" beside "Expired keys 0" reads as a contradiction unless
 * the verdict itself says it comes from the replay. Checked in the text, the JSON and Chinese.
 */
import { describe, expect, it } from 'vitest';
import { budgetMs } from '../support/budget.js';
import { runCli } from '../support/cli.js';

const KEYS = 2_000;

describe('demo verdict on a replayed trend', () => {
  it(
    'says the trend is a replay in the verdict line, the JSON reason and in Chinese',
    async () => {
      const json = await runCli(['demo', '--json', '--keys', String(KEYS)]);
      expect(json.code, json.stderr).toBe(0);
      const out = JSON.parse(json.stdout) as {
        verdict_reason: string;
        verdict_reason_key: string;
        expired_keys: number;
        trend: { source: string } | null;
      };
      expect(out.trend?.source).toBe('replay');
      // The private server is seconds old: nothing has expired on it, whatever the replayed curve says.
      expect(out.expired_keys).toBe(0);
      expect(out.verdict_reason).toMatch(/replay/i);

      const text = await runCli(['demo', '--keys', String(KEYS)]);
      expect(text.code, text.stderr).toBe(0);
      const verdict = text.stdout.split('\n').find((l) => l.startsWith('Verdict:'));
      expect(verdict).toMatch(/replay/i);

      const zh = await runCli(['demo', '--keys', String(KEYS), '--lang', 'zh']);
      expect(zh.code, zh.stderr).toBe(0);
      const zhVerdict = zh.stdout.split('\n').find((l) => l.startsWith('结论'));
      expect(zhVerdict).toContain('回放');
    },
    budgetMs(KEYS * 3 * 2) + 30_000,
  );
});
