import type { webApi } from '@slack/bolt';
import { channelLang, channelTimeZone } from '../../../config/load.js';
import type { ClusterConfig } from '../../../config/types.js';
import { errorMessage } from '../../../errors.js';
import { channelMention, truncate, userMention } from '../../../i18n/mrkdwn.js';
import type { Lang, Translate } from '../../../i18n/types.js';
import { isDeadlinePast } from '../../../notify/deadline.js';
import type { IncidentFacts } from '../../../notify/incident-facts.js';
import { type IncidentRef, loadIncidentFacts } from '../../../notify/load-facts.js';
import {
  draftSummaryText,
  incidentMessage,
  langsOf,
  type MessageEdits,
  type MessageLangMode,
} from '../../../presenters/incident-message.js';
import { redact } from '../../../redis/errors.js';
import { docsToMessages } from '../../blocks/message-doc-blocks.js';
import {
  NotifyView,
  notifyErrorView,
  notifyLoadingView,
  notifyModal,
  parseNotifyMeta,
  SUMMARY_MAX,
} from '../../blocks/notify-modal.js';
import type { SlackServices } from '../../services.js';
import { recordTimeline, slackErrorCode } from '../../status-flow.js';
import { clusterCommand } from '../slash-command.js';
import type { MedicApp } from '../types.js';

type WebClient = webApi.WebClient;

/** How long the form waits for the person's language before opening (in English then). */
export const NOTIFY_LANG_WAIT_MS = 800;

/**
 * `/redis-notify [cluster]`: the runbook's message to the application team, drafted from the
 * incident, edited in a modal, sent to a channel (the dev-team channel by default), recorded in
 * the incident timeline and the audit log. The modal opens at once (a trigger id lives 3 s) and
 * is filled when the draft is ready.
 */
export function registerRedisNotify(app: MedicApp, s: SlackServices): void {
  app.command(
    '/redis-notify',
    clusterCommand(s, { help: 'notify' }, async ({ cluster, command, context, client, respond }) => {
      await openNotifyForm(s, client, {
        triggerId: command.trigger_id,
        cluster,
        origin: command.channel_id,
        user: command.user_id,
        lang: context.lang,
        t: context.t,
        tell: (text) => respond({ response_type: 'ephemeral', text }),
      });
    }),
  );

  app.view(NotifyView.callbackId, async ({ ack, body, view, client, context }) => {
    const user = body.user.id;
    const meta = parseNotifyMeta(view.private_metadata);
    // The language the form was opened in (from its metadata), else the person's.
    const { lang, t } = context;
    const values = view.state.values;
    const channel = values[NotifyView.channel]?.[NotifyView.channel]?.selected_conversation ?? undefined;
    const deadline = values[NotifyView.deadline]?.[NotifyView.deadline]?.selected_date ?? undefined;
    if (!meta || !s.cluster(meta.cluster)) {
      await ack({ response_action: 'errors', errors: { [NotifyView.channel]: t('notify:slack.forged') } });
      await auditForgedForm(s, user, undefined, meta?.origin);
      return;
    }
    if (!channel || !/^[CG][A-Z0-9]{2,}$/.test(channel)) {
      await ack({
        response_action: 'errors',
        errors: { [NotifyView.channel]: t('notify:modal.no_channel') },
      });
      return;
    }
    if (deadline && isDeadlinePast(deadline)) {
      await ack({
        response_action: 'errors',
        errors: { [NotifyView.deadline]: t('notify:modal.deadline_past') },
      });
      return;
    }
    await ack();

    const modeValue = values[NotifyView.langs]?.[NotifyView.langs]?.selected_option?.value;
    const mode: MessageLangMode = modeValue === 'en' || modeValue === 'zh' ? modeValue : 'both';
    const owner = values[NotifyView.owner]?.[NotifyView.owner]?.selected_user ?? undefined;
    const summary = (l: Lang) =>
      truncate(values[NotifyView.summary(l)]?.[NotifyView.summary(l)]?.value ?? '', SUMMARY_MAX);
    const edits: MessageEdits = {
      author: user,
      targetPct: s.config.watch.targetPct,
      summary: { en: summary('en'), zh: summary('zh') },
      ...(owner && /^[UW][A-Z0-9]{2,}$/.test(owner) ? { owner } : {}),
      ...(deadline ? { deadline } : {}),
    };
    const ref: IncidentRef = meta.incidentId ? { incidentId: meta.incidentId } : { cluster: meta.cluster };
    const timeZone = channelTimeZone(s.config, channel);
    let facts: IncidentFacts | undefined;
    try {
      facts = await loadFacts(s, ref);
    } catch (err) {
      await tellUser(client, meta.origin, user, t('notify:slack.load_failed', { code: errorCode(err) }));
      return;
    }
    if (!facts) {
      await auditForgedForm(s, user, meta.cluster, meta.origin);
      await tellUser(client, meta.origin, user, t('notify:slack.forged'));
      return;
    }
    const docs = langsOf(mode).map((l) =>
      incidentMessage(facts, l, s.i18n, edits, { flavor: 'slack', timeZone }),
    );
    const messages = docsToMessages(docs, (d) => s.i18n.slack(d.lang));
    let sent = 0;
    try {
      // In order, one at a time: Slack keeps them in posting order; 429s are waited out by the client.
      for (const m of messages) {
        await client.chat.postMessage({ channel, text: m.text, blocks: m.blocks, unfurl_links: false });
        sent += 1;
      }
    } catch (err) {
      const code = slackErrorCode(err);
      s.logger.warn({ code, cluster: meta.cluster, sent, total: messages.length }, 'notify send failed');
      const reason =
        code === 'not_in_channel' || code === 'channel_not_found'
          ? t(`notify:slack.${code}`)
          : t('notify:slack.other', { code });
      await tellUser(
        client,
        meta.origin,
        user,
        t('notify:slack.send_failed', {
          channel: channelMention(channel),
          sent,
          total: messages.length,
          reason,
        }),
      );
      if (sent === 0) return;
    }
    const partial = sent < messages.length;
    await s.remediation.audit
      .append({
        actor: user,
        action: 'notify_sent',
        cluster: meta.cluster,
        channel,
        counts: { messages: sent, ...(partial ? { total: messages.length } : {}) },
        ...(facts.incidentId ? { incidentId: facts.incidentId } : {}),
      })
      .catch((err: unknown) => s.logger.error({ err: redact(errorMessage(err)) }, 'notify audit failed'));
    const incident = facts.incidentId
      ? await s.incidents.get(facts.incidentId).catch(() => undefined)
      : undefined;
    if (incident) {
      await recordTimeline(s, incident.id, {
        at: new Date().toISOString(),
        kind: 'notify_sent',
        actor: user,
        data: { channel, langs: mode, messages: sent, ...(partial ? { total: messages.length } : {}) },
      });
      // The thread speaks the thread's language: the channel's when configured, else the sender's.
      const tt = s.i18n.slack(channelLang(s.config, incident.channel) ?? lang);
      await client.chat
        .postMessage({
          channel: incident.channel,
          thread_ts: incident.threadTs,
          text: partial
            ? tt('notify:slack.sent_partial', {
                user: userMention(user),
                channel: channelMention(channel),
                sent,
                total: messages.length,
              })
            : tt('notify:slack.sent', {
                user: userMention(user),
                channel: channelMention(channel),
                count: sent,
                langs: tt(`notify:slack.langs.${mode}`),
              }),
        })
        .catch((err: unknown) => s.logger.warn({ code: slackErrorCode(err) }, 'notify thread note failed'));
    } else if (!partial) {
      await tellUser(
        client,
        meta.origin,
        user,
        t('notify:slack.sent_to_you', { channel: channelMention(channel), count: sent }),
      );
    }
  });
}

/**
 * Opens the incident message form at once (a trigger id lives 3 s) and fills it when the draft is
 * ready: from `/redis-notify` and from the checklist's "Draft the message" button.
 */
export async function openNotifyForm(
  s: SlackServices,
  client: WebClient,
  input: {
    triggerId: string;
    cluster: ClusterConfig;
    /** Where it was asked for: the form's default origin and where errors are told. */
    origin: string;
    user: string;
    lang: Lang;
    t: Translate;
    tell: (text: string) => Promise<unknown>;
  },
): Promise<void> {
  const { cluster, lang, t } = input;
  let viewId: string | undefined;
  try {
    const opened = await client.views.open({ trigger_id: input.triggerId, view: notifyLoadingView(t) });
    viewId = opened.view?.id;
  } catch (err) {
    await input.tell(t('notify:slack.open_failed', { code: slackErrorCode(err) }));
    return;
  }
  if (!viewId) return;
  // The preview reads as it will where it is sent by default.
  const timeZone = channelTimeZone(s.config, s.config.slack.devTeamChannel ?? input.origin);
  let facts: IncidentFacts | undefined;
  try {
    facts = await loadFacts(s, { cluster: cluster.name, channel: input.origin });
  } catch (err) {
    s.logger.warn({ err: redact(errorMessage(err)), cluster: cluster.name }, 'notify draft failed');
    await showError(client, viewId, t, t('notify:slack.load_failed', { code: errorCode(err) }));
    return;
  }
  if (!facts) return;
  try {
    const edits: MessageEdits = { author: input.user, targetPct: s.config.watch.targetPct };
    const view = notifyModal(t, {
      meta: {
        cluster: cluster.name,
        origin: input.origin,
        lang,
        ...(facts.incidentId ? { incidentId: facts.incidentId } : {}),
      },
      drafts: {
        en: draftSummaryText(facts, 'en', s.i18n, timeZone),
        zh: draftSummaryText(facts, 'zh', s.i18n, timeZone),
      },
      previews: langsOf('both').map((l) =>
        incidentMessage(facts, l, s.i18n, edits, { flavor: 'slack', timeZone }),
      ),
      ...(s.config.slack.devTeamChannel ? { devTeamChannel: s.config.slack.devTeamChannel } : {}),
    });
    await client.views.update({ view_id: viewId, view });
  } catch (err) {
    const code = slackErrorCode(err);
    s.logger.warn({ code, cluster: cluster.name }, 'notify form refused');
    await showError(client, viewId, t, t('notify:slack.update_failed', { code }));
  }
}

async function showError(client: WebClient, viewId: string, t: Translate, text: string): Promise<void> {
  await client.views.update({ view_id: viewId, view: notifyErrorView(t, text) }).catch(() => {});
}

function loadFacts(s: SlackServices, ref: IncidentRef): Promise<IncidentFacts | undefined> {
  return loadIncidentFacts(
    {
      incidents: s.incidents,
      audit: s.remediation.audit,
      ...(s.snapshots ? { snapshots: s.snapshots } : {}),
      rules: (name) => s.remediation.rules(name),
    },
    ref,
  );
}

/** Only the person who sent the form sees it, in the channel where they typed the command. */
/** A form whose metadata names no known cluster or incident was not built by us: a refusal, audited. */
async function auditForgedForm(
  s: SlackServices,
  user: string,
  cluster: string | undefined,
  origin: string | undefined,
): Promise<void> {
  await s.remediation.audit
    .append({
      actor: user,
      action: 'refused',
      reason: 'forged_form',
      control: 'notify_submit',
      cluster: cluster ?? '',
      ...(origin && /^[CGD][A-Z0-9]{2,}$/.test(origin) ? { channel: origin } : {}),
    })
    .catch(() => {});
}

async function tellUser(client: WebClient, channel: string, user: string, text: string): Promise<void> {
  await client.chat.postEphemeral({ channel, user, text }).catch(() => {});
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : 'unavailable';
}
