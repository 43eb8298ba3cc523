/**
 * `incidents.checklist`: the runbook's eight steps by default; a team's own list keeps its order,
 * a step that is not the runbook's needs its label in both languages, and an id listed twice is a
 * config error naming it.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createI18n } from '../../src/i18n/index.js';
import { RUNBOOK_STEP_IDS } from '../../src/incidents/checklist/types.js';

const base = (incidents: string) => `
queue: { url: redis://127.0.0.1:6400/0 }
clusters:
  - name: market
    url: redis://127.0.0.1:6401
${incidents}
`;

const problemLines = (text: string) => {
  const result = parseConfig(text, {});
  if (result.ok) throw new Error('expected problems');
  const t = createI18n({ strict: true }).plain('en');
  return result.problems.map((p) => `${p.path}: ${p.key ? t(p.key, p.values ?? {}) : p.text}`);
};

describe('incidents.checklist', () => {
  it("is unset by default: the service uses the runbook's eight steps", () => {
    const result = parseConfig(base(''), {});
    expect(result.ok && result.config.incidents.checklist).toBe(undefined);
    expect(RUNBOOK_STEP_IDS).toHaveLength(8);
  });

  it("takes the runbook's steps by id and a team's own with both labels, in the given order", () => {
    const result = parseConfig(
      base(`incidents:
  checklist:
    - id: verify_recovery
    - id: page_dba
      label: { en: Page the DBA on call, zh: 呼叫值班 DBA }
    - id: execute`),
      {},
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.config.incidents.checklist?.map((s) => s.id)).toEqual([
      'verify_recovery',
      'page_dba',
      'execute',
    ]);
  });

  it('refuses an own step without a label and an id listed twice, naming them', () => {
    expect(
      problemLines(
        base(`incidents:
  checklist:
    - id: page_dba
    - id: execute
    - id: execute`),
      ),
    ).toEqual([
      "incidents.checklist[0]: checklist step page_dba is not one of the runbook's: give it a label with en and zh",
      'incidents.checklist[2]: checklist step execute is listed twice',
    ]);
  });
});
