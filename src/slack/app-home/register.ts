/**
 * App Home: when a person opens the bot's Home tab, publish their view of every configured cluster
 * (home-facts.ts) in their language. Only the bot's own records are read, each cluster within a
 * time box, so a cluster whose Redis is down, or a slow queue Redis, still gets a tab. While someone
 * has looked at it recently, a checklist change or a new sample that moves a cluster's memory %
 * republishes their tab, at most once per REFRESH_EVERY_MS for everyone (views.publish is
 * rate-limited per workspace).
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
/** How often the shared sample history is looked at for a changed figure. */
const SAMPLE_CHECK_MS = 10_000;
/** The first look at a cluster's history reaches this far back (its newest sample is the baseline). */
const SAMPLE_LOOKBACK_MS = 3_600_000;

export function registerAppHome(
  app: MedicApp,
  s: SlackServices,
  deps: { groupMembers?: GroupMembers; refreshEveryMs?: number; sampleCheckMs?: number } = {},
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
  const scheduleRefresh = () => {
    if (timer || viewers.size === 0) return;
    timer = setTimeout(() => void refresh(), deps.refreshEveryMs ?? REFRESH_EVERY_MS);
    timer.unref();
  };
  s.checklist?.onChange(scheduleRefresh);

  // A watched value: each cluster's memory % as the tab shows it. Samples are taken by whichever
  // replica runs the tick, so every replica reads the shared history for new ones (only while
  // someone has the tab open); a change schedules the same bounded refresh as a checklist change.
  const history = s.history;
  if (!history) return;
  const shown = new Map<string, { at: number; pct: string }>();
  const checkSamples = async () => {
    if (viewers.size === 0) return;
    const now = Date.now();
    let changed = false;
    for (const cluster of s.config.clusters) {
      const last = shown.get(cluster.name);
      const fresh = await history.range(cluster.name, last ? last.at + 1 : now - SAMPLE_LOOKBACK_MS, now);
      const newest = fresh[fresh.length - 1];
      if (!newest) continue;
      const pct = newest.memoryPct === null ? '' : newest.memoryPct.toFixed(1);
      if (last && last.pct !== pct) changed = true;
      shown.set(cluster.name, { at: newest.at, pct });
    }
    if (changed) scheduleRefresh();
  };
  const poll = setInterval(
    () =>
      void checkSamples().catch((err: unknown) =>
        s.logger.warn({ err: String(err) }, 'app home: sample check failed'),
      ),
    deps.sampleCheckMs ?? SAMPLE_CHECK_MS,
  );
  poll.unref();
}
