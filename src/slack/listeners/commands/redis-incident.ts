/**
 * `/redis-incident [start|close|status] [cluster]`: open the cluster's incident in this channel (one
 * per cluster and channel, claimed atomically on the queue Redis; its checklist is posted and pinned
 * in the thread), say where it stands, or close it with a resolution summary (a form), which posts
 * the closing report. Without a word, `status`.
 */
import type { webApi } from '@slack/bolt';
import { errorMessage } from '../../../errors.js';
import { formatDateTime } from '../../../i18n/format.js';
import { userMention } from '../../../i18n/mrkdwn.js';
import type { Translate } from '../../../i18n/types.js';
import { type Incident, IncidentStore } from '../../../incidents/incident-store.js';
import { redact } from '../../../redis/errors.js';
import {
  ChecklistForm,
  closeFormView,
  FORM_TEXT_MAX,
  parseCloseFormMeta,
} from '../../blocks/checklist-modal.js';
import { textMessage } from '../../blocks/simple.js';
import { closeIncident } from '../../checklist/close-incident.js';
import { threadLink } from '../../checklist/thread-link.js';
import { defaultClickGuard } from '../../click-auth.js';
import { postInIncidentThread } from '../../incident-thread.js';
import type { SlackServices } from '../../services.js';
import { slackErrorCode } from '../../status-flow.js';
import { clusterCommand } from '../slash-command.js';
import type { MedicApp } from '../types.js';

const SUBCOMMANDS = ['start', 'close', 'status'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** How long the close form waits for the person's language (a trigger id lives 3 s). */
export const INCIDENT_LANG_WAIT_MS = 800;

export function registerRedisIncidentCommand(app: MedicApp, s: SlackServices): void {
  const checklist = s.checklist;
  const clicks = defaultClickGuard(app, s);
  app.command('/redis-incident', async (args) => {
    // `[start|close|status] [cluster]`: the word goes after the cluster, where clusterCommand takes it.
    const words = (args.command.text ?? '').trim().split(/\s+/).filter(Boolean);
    const sub: Subcommand = (SUBCOMMANDS as readonly string[]).includes(words[0] ?? '')
      ? (words.shift() as Subcommand)
      : 'status';
    const command = { ...args.command, text: words.join(' ') };
    await clusterCommand(s, { help: 'incident' }, async ({ cluster, command, context, client, respond }) => {
      const { t, lang } = context;
      const tell = (text: string) => respond({ response_type: 'ephemeral', text });
      const channel = command.channel_id;
      let open: Incident | undefined;
      try {
        open = await s.incidents.findOpen(cluster.name, channel);
      } catch (err) {
        s.logger.warn({ err: redact(errorMessage(err)) }, 'incident store unreachable');
        await tell(t('incident:command.store_down'));
        return;
      }
      if (sub === 'status') {
        await tell(
          open
            ? await statusLine(s, client, t, lang, open)
            : t('incident:command.none_open', { cluster: cluster.name }),
        );
        return;
      }
      if (sub === 'close') {
        if (!open) {
          await tell(t('incident:command.none_open', { cluster: cluster.name }));
          return;
        }
        try {
          await client.views.open({
            trigger_id: command.trigger_id,
            view: closeFormView(t, { incident: open.id, channel: open.channel, lang }),
          });
        } catch (err) {
          await tell(t('incident:answer.open_failed', { code: slackErrorCode(err) }));
        }
        return;
      }
      if (open) {
        await tell(
          t('incident:command.already_open', {
            cluster: cluster.name,
            link: await linkTo(s, client, t, open),
          }),
        );
        return;
      }
      try {
        const posted = await postInIncidentThread(s, client, {
          cluster: cluster.name,
          channel,
          user: command.user_id,
          message: () =>
            textMessage(
              t('incident:command.started', { who: userMention(command.user_id), cluster: cluster.name }),
            ),
        });
        if (!posted.opened) {
          const existing = await s.incidents.get(posted.incidentId).catch(() => undefined);
          if (existing)
            await tell(
              t('incident:command.already_open', {
                cluster: cluster.name,
                link: await linkTo(s, client, t, existing),
              }),
            );
          return;
        }
        // Severity from the newest sample the bot took (a status or an alert raises it later).
        const pct = await newestSamplePct(s, cluster.name);
        if (pct !== undefined) {
          const raised = await s.incidents
            .raiseSeverity(posted.incidentId, IncidentStore.severityOf(pct, cluster.thresholds))
            .catch(() => false);
          if (raised) {
            await s.incidents.touchChecklist(posted.incidentId).catch(() => 0);
            checklist?.changed(posted.incidentId);
          }
        }
        await s.remediation.audit
          .append({
            actor: command.user_id,
            action: 'incident_opened',
            cluster: cluster.name,
            incidentId: posted.incidentId,
            channel,
          })
          .catch(() => {});
      } catch (err) {
        const code = slackErrorCode(err);
        await tell(
          code === 'not_in_channel' || code === 'channel_not_found'
            ? t('slack:status.invite_me')
            : t('slack:status.post_failed', { code }),
        );
      }
    })({ ...args, command, body: { ...args.body, text: command.text } });
  });

  app.view(ChecklistForm.closeCallbackId, async ({ ack, body, view, client, context }) => {
    const { t, lang } = context;
    const meta = parseCloseFormMeta(view.private_metadata);
    const text = (view.state.values[ChecklistForm.input]?.[ChecklistForm.input]?.value ?? '')
      .trim()
      .slice(0, FORM_TEXT_MAX);
    const incident = meta ? await s.incidents.get(meta.incident).catch(() => undefined) : undefined;
    const fail = (message: string) =>
      ack({ response_action: 'errors', errors: { [ChecklistForm.input]: message } });
    if (!meta || !incident || !checklist) {
      await fail(t('incident:answer.step_gone'));
      return;
    }
    // Who may close it is checked at submit, like the checklist's own forms: the opener, an
    // approver of the cluster or a member of its channel; a refusal is audited.
    const click = { user: body.user.id, channel: incident.channel, control: 'incident_close' };
    const owner = {
      cluster: incident.cluster,
      channel: incident.channel,
      requester: incident.openedBy,
      incidentId: incident.id,
    };
    const refusal = await clicks.checkStop(click, owner);
    if (refusal) {
      await fail(t('incident:answer.not_member', { cluster: incident.cluster }));
      await clicks.refuse(click, owner, refusal, async () => {}, '');
      return;
    }
    if (incident.closedAt) {
      await fail(t('incident:command.closed_already'));
      return;
    }
    if (text === '') {
      await fail(t('incident:modal.empty'));
      return;
    }
    await ack();
    const outcome = await closeIncident({ ...s, checklist }, client, {
      incident,
      by: body.user.id,
      resolution: text,
      lang,
    });
    if (outcome === 'closed_already') {
      await client.chat
        .postEphemeral({
          channel: incident.channel,
          user: body.user.id,
          text: t('incident:command.closed_already'),
        })
        .catch(() => {});
    }
  });
}

/** `<permalink|the thread>`: the link is Slack's own (or the channel's), never user text. */
async function linkTo(
  s: SlackServices,
  client: webApi.WebClient,
  t: Translate,
  incident: Incident,
): Promise<string> {
  return `<${await threadLink(client, s.incidents, incident)}|${t('incident:command.thread')}>`;
}

async function statusLine(
  s: SlackServices,
  client: webApi.WebClient,
  t: Translate,
  lang: 'en' | 'zh',
  incident: Incident,
): Promise<string> {
  const steps = s.checklist ? await s.checklist.steps(incident.id).catch(() => []) : [];
  return t('incident:command.status', {
    cluster: incident.cluster,
    id: incident.id,
    when: formatDateTime(new Date(incident.openedAt), lang),
    severity: t(`incident:severity.${incident.severity ?? 'info'}`),
    done: steps.filter((x) => x.state === 'done' || x.state === 'skipped').length,
    total: steps.length,
    link: await linkTo(s, client, t, incident),
  });
}

/** The newest sample of the last 15 minutes, read within a second; undefined otherwise. */
async function newestSamplePct(s: SlackServices, cluster: string): Promise<number | undefined> {
  if (!s.history) return undefined;
  const now = Date.now();
  const samples = await Promise.race([
    s.history.range(cluster, now - 15 * 60_000, now).catch(() => []),
    new Promise<[]>((resolve) => setTimeout(() => resolve([]), 1_000).unref()),
  ]);
  return samples.at(-1)?.memoryPct ?? undefined;
}
