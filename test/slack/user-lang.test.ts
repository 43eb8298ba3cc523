import type { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { channelLang, parseConfig } from '../../src/config/load.js';
import { createUserLangResolver } from '../../src/slack/user-lang.js';

/** users.info answering each user's locale, counting calls. */
function fakeClient(locales: Record<string, string>) {
  const calls: string[] = [];
  const client = {
    users: {
      info: async ({ user }: { user: string }) => {
        calls.push(user);
        return { ok: true, user: { id: user, locale: locales[user] ?? 'en-US' } };
      },
    },
  } as unknown as webApi.WebClient;
  return { client, calls };
}

describe('langFor(client, user, channel)', () => {
  const parsed = parseConfig(
    `queue: { url: redis://127.0.0.1:1 }
slack:
  channelLocales:
    C0ZH: { lang: zh }
    C0EN: { lang: en, timeZone: Asia/Shanghai }
    C0TZ: { timeZone: Asia/Shanghai }
clusters: [{ name: a, url: redis://127.0.0.1:2 }]
`,
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const config = parsed.config;

  it("a channel's configured language wins over the user's Slack locale, without a users.info call", async () => {
    const { client, calls } = fakeClient({ UZH: 'zh-CN' });
    const langFor = createUserLangResolver((channel) => channelLang(config, channel));
    expect(await langFor(client, 'UEN', 'C0ZH')).toBe('zh');
    expect(await langFor(client, 'UZH', 'C0EN')).toBe('en');
    expect(calls).toEqual([]);
    // Elsewhere (a channel with only a time zone, or none given) the user's own locale counts, cached.
    expect(await langFor(client, 'UZH', 'C0TZ')).toBe('zh');
    expect(await langFor(client, 'UZH', 'C0OTHER')).toBe('zh');
    expect(await langFor(client, 'UZH')).toBe('zh');
    expect(calls).toEqual(['UZH']);
  });

  it('without channel settings it is the per-user resolver it always was', async () => {
    const { client, calls } = fakeClient({ UZH: 'zh-TW' });
    const langFor = createUserLangResolver();
    expect(await langFor(client, 'UZH', 'C0ZH')).toBe('zh');
    expect(await langFor(client, 'UEN', 'C0ZH')).toBe('en');
    expect(calls).toEqual(['UZH', 'UEN']);
  });
});
