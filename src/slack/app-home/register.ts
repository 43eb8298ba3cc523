/**
 * App Home: when a person opens the bot's Home tab, publish their view of every configured cluster
 * (home-facts.ts) in their language. Only the bot's own records are read, each cluster within a
 * time box, so a cluster whose Redis is down, or a slow queue Redis, still gets a tab.
 */
import { cachedGroupMembers, type GroupMembers } from '../../incidents/approvals.js';
import { appHomeView } from '../blocks/app-home.js';
import { threadLink } from '../checklist/thread-link.js';
import type { MedicApp } from '../listeners/types.js';
import type { SlackServices } from '../services.js';
import { slackErrorCode } from '../status-flow.js';
import { homeFacts } from './home-facts.js';

export function registerAppHome(
  app: MedicApp,
  s: SlackServices,
  deps: { groupMembers?: GroupMembers } = {},
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
  app.event('app_home_opened', async ({ event, client, context }) => {
    if (event.tab !== 'home') return;
    const lang = context.lang ?? 'en';
    const t = context.t ?? s.i18n.slack(lang);
    const now = new Date();
    const clusters = await homeFacts(s, event.user, {
      groupMembers,
      now: now.getTime(),
      link: (incident) => threadLink(client, s.incidents, incident),
    });
    try {
      await client.views.publish({
        user_id: event.user,
        view: appHomeView(t, {
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
  });
}
