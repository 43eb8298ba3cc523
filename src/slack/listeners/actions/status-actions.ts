import type { BlockButtonAction, RespondFn } from '@slack/bolt';
import { formatDuration, formatPct } from '../../../i18n/format.js';
import { userMention } from '../../../i18n/mrkdwn.js';
import type { Translate } from '../../../i18n/types.js';
import type { Incident } from '../../../incidents/incident-store.js';
import { ActionId, decodeButtonValue } from '../../action-ids.js';
import { watchMessage } from '../../blocks/watch.js';
import {
  type ClickGuard,
  type ControlOwner,
  clickOf,
  defaultClickGuard,
  refusalText,
  staleOwner,
} from '../../click-auth.js';
import type { SlackServices } from '../../services.js';
import { recordTimeline, refreshStatus, slackErrorCode } from '../../status-flow.js';
import type { MedicApp } from '../types.js';

/**
 * Refresh, Watch and Cancel-watch buttons (acked at once by the middleware). Users click twice, so each is
 * idempotent. Each works only in the incident's own channel; stopping a watch also takes a member
 * of that channel or an approver of the cluster (see click-auth).
 */
export function registerStatusActions(
  app: MedicApp,
  s: SlackServices,
  clicks: ClickGuard = defaultClickGuard(app, s),
): void {
  app.action<BlockButtonAction>(
    ActionId.StatusRefresh,
    async ({ body, action, client, respond, context }) => {
      const { lang, t } = context;
      const value = decodeButtonValue(action.value);
      const cluster = value ? s.cluster(value.cluster) : undefined;
      const channel = body.channel?.id;
      const messageTs = body.message?.ts;
      if (!value || !cluster || !channel || !messageTs) {
        const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
        await clicks.refuse(
          clickOf(body, 'status_refresh'),
          staleOwner(value?.cluster),
          'unknown_record',
          tell,
          t('slack:action.stale'),
        );
        return;
      }
      // Read-only, so anyone who sees the report may refresh it, but only where the incident lives.
      const incident = await s.incidents.get(value.incident);
      if (incident && !(await allowedHere(clicks, body, 'status_refresh', ownerOf(incident), t, respond)))
        return;
      await refreshStatus(s, {
        client,
        cluster,
        channel,
        user: body.user.id,
        lang,
        respond,
        messageTs,
        incidentId: value.incident,
      });
    },
  );

  app.action<BlockButtonAction>(ActionId.WatchStart, async ({ body, action, client, respond, context }) => {
    const { lang, t } = context;
    const value = decodeButtonValue(action.value);
    const cluster = value ? s.cluster(value.cluster) : undefined;
    const incident = value ? await s.incidents.get(value.incident) : undefined;
    if (!value || !cluster || !incident) {
      const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
      const click = clickOf(body, 'watch_start');
      await clicks.refuse(click, staleOwner(value?.cluster), 'unknown_record', tell, t('slack:action.stale'));
      return;
    }
    if (!(await allowedHere(clicks, body, 'watch_start', ownerOf(incident), t, respond))) return;
    const { intervalMinutes, maxHours } = s.config.watch;
    const targetPct = value.target ?? s.config.watch.targetPct;
    const intervalMs = Math.round(intervalMinutes * 60_000);
    const deadlineAt = Date.now() + maxHours * 3_600_000;
    const watchId = await s.watches.reserve(incident.id, deadlineAt);
    if (!watchId) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: t('slack:watch.already') });
      return;
    }
    const intro = t('slack:watch.started', {
      cluster: cluster.name,
      target: formatPct(targetPct, lang, 0),
      interval: formatDuration(intervalMinutes, t),
      max: formatDuration(maxHours * 60, t),
      user: userMention(body.user.id),
    });
    try {
      const posted = await client.chat.postMessage({
        channel: incident.channel,
        thread_ts: incident.threadTs,
        ...watchMessage(t, { cluster: cluster.name, incident: incident.id, intro }),
      });
      await s.watches.schedule(
        {
          incidentId: incident.id,
          watchId,
          cluster: cluster.name,
          channel: incident.channel,
          threadTs: incident.threadTs,
          requestedBy: body.user.id,
          lang,
          targetPct,
          intervalMs,
          deadlineAt,
          tick: 0,
          failures: 0,
          ...(posted.ts ? { watchMessageTs: posted.ts } : {}),
        },
        intervalMs,
      );
    } catch (err) {
      // Without its message or first tick the watch would hold the thread for hours doing nothing.
      await s.watches.finish(incident.id, watchId);
      s.logger.warn({ code: slackErrorCode(err), incident: incident.id }, 'watch start failed');
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: t('slack:watch.start_failed', { code: slackErrorCode(err) }),
      });
      return;
    }
    await recordTimeline(s, incident.id, {
      at: new Date().toISOString(),
      kind: 'watch_started',
      actor: body.user.id,
      data: { targetPct, intervalMinutes, maxHours },
    });
  });

  app.action<BlockButtonAction>(ActionId.WatchCancel, async ({ body, action, client, respond, context }) => {
    const { t } = context;
    const value = decodeButtonValue(action.value);
    const incident = value ? await s.incidents.get(value.incident) : undefined;
    const click = clickOf(body, 'watch_cancel');
    if (incident) {
      const owner = { ...ownerOf(incident), ...(await watchRequester(s, incident.id)) };
      const refusal = await clicks.checkStop(click, owner);
      if (refusal) {
        const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
        await clicks.refuse(click, owner, refusal, tell, refusalText(t, refusal, incident.cluster));
        return;
      }
    }
    const cancelled = value && incident ? await s.watches.cancel(incident.id) : false;
    if (!value || !incident || !cancelled) {
      const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
      const owner = incident ? ownerOf(incident) : staleOwner(value?.cluster);
      await clicks.refuse(click, owner, 'not_running', tell, t('slack:watch.not_running'));
      return;
    }
    const channel = body.channel?.id;
    const ts = body.message?.ts;
    const intro = (body.message?.text as string | undefined) ?? '';
    if (channel && ts) {
      await client.chat.update({
        channel,
        ts,
        ...watchMessage(t, {
          cluster: value.cluster,
          incident: value.incident,
          intro: introFromBlocks(body) ?? intro,
          ended: t('slack:watch.cancelled', { user: userMention(body.user.id) }),
        }),
      });
    }
    await clicks.accepted(click, ownerOf(incident), 'watch_cancelled');
    await recordTimeline(s, value.incident, {
      at: new Date().toISOString(),
      kind: 'watch_cancelled',
      actor: body.user.id,
    });
  });
}

function ownerOf(incident: Incident): ControlOwner {
  return { cluster: incident.cluster, channel: incident.channel, incidentId: incident.id };
}

/** Who started the incident's latest watch (from its timeline): they may always stop it. */
async function watchRequester(s: SlackServices, incidentId: string): Promise<{ requester?: string }> {
  const timeline = await s.incidents.timeline(incidentId).catch(() => []);
  const started = timeline.filter((e) => e.kind === 'watch_started').at(-1);
  return started?.actor ? { requester: started.actor } : {};
}

/** The channel check for a read-only button; a refusal is audited and explained to the clicker. */
async function allowedHere(
  clicks: ClickGuard,
  body: BlockButtonAction,
  control: string,
  owner: ControlOwner,
  t: Translate,
  respond: RespondFn,
): Promise<boolean> {
  const click = clickOf(body, control);
  const refusal = clicks.checkChannel(click, owner);
  if (!refusal) return true;
  const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
  await clicks.refuse(click, owner, refusal, tell, t('slack:action.wrong_channel'));
  return false;
}

/** The watch message's first section, kept verbatim when the button is replaced by the outcome. */
function introFromBlocks(body: BlockButtonAction): string | undefined {
  const blocks = (body.message as { blocks?: { type: string; text?: { text?: string } }[] } | undefined)
    ?.blocks;
  return blocks?.find((b) => b.type === 'section')?.text?.text;
}
