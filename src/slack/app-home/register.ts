/**
 * App Home: when a person opens the bot's Home tab, publish their view of every configured cluster
 * (home-facts.ts) in their language. Only the bot's own records are read, each cluster within a
 * time box, so a cluster whose Redis is down, or a slow queue Redis, still gets a tab. While someone
 * has looked at it recently, a checklist change republishes their tab, at most once per
 * REFRESH_EVERY_MS for everyone (views.publish is rate-limited per workspace).
 */
import type { Lang } from '../../i18n/types.js';
import { cachedGroupMembers, type GroupMembers } from '../../incidents/approvals.js';
import { appHomeView } from '../blocks/app-home.js';
import { threadLink } from '../checklist/thread-link.js';
import type { MedicApp } from '../listeners/types.js';
import type { SlackServices } from '../services.js';
import { slackErrorCode } from '../status-flow.js';
import { homeFacts } from './home-facts.js';

/** Tabs opened this recently are kept current. */
const VIEWER_TTL_MS = 30 * 60_000;
const REFRESH_EVERY_MS = 30_000;
/** Tabs republished per refresh at most (the rest wait until they open it again). */
const MAX_REFRESHED = 20;

export function registerAppHome(
  app: MedicApp,
  s: SlackServices,
  deps: { groupMembers?: GroupMembers; refreshEveryMs?: number } = {},
): void {
  const groupMembers =
    deps.groupMembers ??
    cachedGroupMembers(
      async (usergroup) => (await app.client.usergroups.users.list({ usergroup })).users ?? [],
      {
        ttlMs: 60_000,
        timeoutMs: 1_000,
      },
    );
  const viewers = new Map<string, { lang: Lang; at: number }>();

  const publish = async (user: string, lang: Lang) => {
    const now = new Date();
    const clusters = await homeFacts(s, user, {
      groupMembers,
      now: now.getTime(),
      link: (incident) => threadLink(app.client, s.incidents, incident),
    });
    try {
      await app.client.views.publish({
        user_id: user,
        view: appHomeView(s.i18n.slack(lang), {
          lang,
          timeZone: 'UTC',
          now,
          windowHours: s.config.trend.windowHours,
          clusters,
        }),
      });
    } catch (err) {
      s.logger.warn({ code: slackErrorCode(err) }, 'app home publish failed');
    }
  };

  app.event('app_home_opened', async ({ event, context }) => {
    if (event.tab !== 'home') return;
    const lang = context.lang ?? 'en';
    viewers.set(event.user, { lang, at: Date.now() });
    await publish(event.user, lang);
  });

  let timer: NodeJS.Timeout | undefined;
  const refresh = async () => {
    timer = undefined;
    const cutoff = Date.now() - VIEWER_TTL_MS;
    for (const [user, v] of viewers) if (v.at < cutoff) viewers.delete(user);
    const recent = [...viewers].sort((a, b) => b[1].at - a[1].at).slice(0, MAX_REFRESHED);
    for (const [user, v] of recent) await publish(user, v.lang);
  };
  s.checklist?.onChange(() => {
    if (timer || viewers.size === 0) return;
    timer = setTimeout(() => void refresh(), deps.refreshEveryMs ?? REFRESH_EVERY_MS);
    timer.unref();
  });
}
