import { describe, expect, it } from 'vitest';
import { createI18n, readLocaleResources } from '../../src/i18n/index.js';
import { mergeLocaleResources, placeholdersOf } from '../../src/i18n/overrides.js';

describe('locale overrides', () => {
  it('tells escaped from unescaped placeholders, each once', () => {
    expect(placeholdersOf('<@{{- user}}> on *{{cluster}}* ({{ cluster }}) {{count, number}}')).toEqual([
      '{{- user}}',
      '{{cluster}}',
      '{{count}}',
    ]);
    expect(placeholdersOf('no values')).toEqual([]);
  });

  it('deep-merges over the shipped texts without changing either', () => {
    const shipped = readLocaleResources();
    const before = JSON.stringify(shipped);
    const overrides = { en: { slack: { button: { refresh: 'Re-read now' } } } };
    const merged = mergeLocaleResources(shipped, overrides);
    expect(JSON.stringify(shipped)).toBe(before);
    expect(overrides).toEqual({ en: { slack: { button: { refresh: 'Re-read now' } } } });
    const slack = (merged.en?.slack ?? {}) as { button: Record<string, string> };
    expect(slack.button.refresh).toBe('Re-read now');
    // Siblings of the overridden key are still there.
    expect(slack.button.watch).toBe('Watch until below {{target}}%');
    expect(mergeLocaleResources(shipped, undefined)).toBe(shipped);
  });

  it('createI18n renders an overridden text, still escaping values for Slack', () => {
    const i18n = createI18n({
      strict: true,
      overrides: { en: { slack: { help: { unknown_cluster: 'No cluster called {{name}} here' } } } },
    });
    expect(i18n.slack('en')('slack:help.unknown_cluster', { name: '<!channel>' })).toBe(
      'No cluster called &lt;!channel&gt; here',
    );
    expect(i18n.plain('en')('slack:help.unknown_cluster', { name: 'x' })).toBe('No cluster called x here');
    expect(i18n.plain('zh')('slack:help.unknown_cluster', { name: 'x' })).toBe('未知集群：x');
  });
});
