import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;

import { type Lang, toLang } from '../i18n/index.js';

const TTL_MS = 60 * 60 * 1000;
const LOOKUP_TIMEOUT_MS = 1500;

/**
 * A user's language from their Slack locale (`zh-CN` → zh), cached for an hour so a busy incident
 * channel doesn't cost a users.info call per click. Failures fall back to English, never block.
 * A channel with a configured language (`slack.channelLocales.<id>.lang`, via `channelLang`) gets
 * that language whoever asks, without a users.info call.
 */
export function createUserLangResolver(
  channelLang: (channelId: string | undefined) => Lang | undefined = () => undefined,
): (client: WebClient, userId: string, channelId?: string) => Promise<Lang> {
  const cache = new Map<string, { lang: Lang; at: number }>();
  return async (client, userId, channelId) => {
    const configured = channelLang(channelId);
    if (configured) return configured;
    const hit = cache.get(userId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.lang;
    let lang: Lang = 'en';
    try {
      // The WebClient retries for minutes on 429s; a report must not wait for a language.
      const res = await Promise.race([
        client.users.info({ user: userId, include_locale: true }),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('users.info timeout')), LOOKUP_TIMEOUT_MS).unref(),
        ),
      ]);
      lang = toLang(res.user?.locale);
    } catch {
      lang = hit?.lang ?? 'en';
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(userId, { lang, at: Date.now() });
    return lang;
  };
}
