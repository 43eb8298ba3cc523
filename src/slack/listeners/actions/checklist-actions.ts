/**
 * The incident checklist's buttons and forms: Skip… (a reason, audited), Decide scaling / Mark done
 * (what was decided), Export alerts + dashboard, Remind me in 2 weeks, Draft the message. Every click
 * goes through the click guard: only in the incident's channel, and only its opener, an approver of
 * the cluster or a member of that channel; refusals are answered and audited. The plan's two
 * buttons (dry-run, request approval) are handled by the plan approval listeners.
 */
import type { BlockButtonAction } from '@slack/bolt';
import { formatDate } from '../../../i18n/format.js';
import { truncate } from '../../../i18n/mrkdwn.js';
import type { Translate } from '../../../i18n/types.js';
import type { ChecklistService } from '../../../incidents/checklist/service.js';
import { SCALE_DECIDED } from '../../../incidents/checklist/timeline-steps.js';
import type { Incident } from '../../../incidents/incident-store.js';
import { ActionId, decodeStepButtonValue } from '../../action-ids.js';
import { stepTitle } from '../../blocks/checklist.js';
import {
  ChecklistForm,
  FORM_TEXT_MAX,
  parseStepFormMeta,
  type StepFormMode,
  stepFormView,
} from '../../blocks/checklist-modal.js';
import { scheduleReassessment } from '../../checklist/reassessment.js';
import { type ClickGuard, type ControlOwner, clickOf, refusalText, staleOwner } from '../../click-auth.js';
import type { SlackServices } from '../../services.js';
import { recordTimeline, slackErrorCode } from '../../status-flow.js';
import { postMonitoringExport } from '../commands/redis-monitoring.js';
import { openNotifyForm } from '../commands/redis-notify.js';
import type { MedicApp } from '../types.js';

export function registerChecklistActions(
  app: MedicApp,
  s: SlackServices,
  deps: { checklist: ChecklistService; clicks: ClickGuard },
): void {
  const { checklist, clicks } = deps;
  const ownerOf = (incident: Incident): ControlOwner => ({
    cluster: incident.cluster,
    channel: incident.channel,
    requester: incident.openedBy,
    incidentId: incident.id,
  });

  /**
   * The incident and step a click names, once the clicker may act on it; undefined when the click
   * was refused (already answered and audited).
   */
  async function allowed(
    body: BlockButtonAction,
    raw: string | undefined,
    control: string,
    t: Translate,
    tell: (text: string) => Promise<unknown>,
  ): Promise<{ incident: Incident; step: string } | undefined> {
    const value = decodeStepButtonValue(raw);
    const incident = value ? await s.incidents.get(value.incident).catch(() => undefined) : undefined;
    const click = clickOf(body, control);
    if (!value || !incident || !checklist.template.some((step) => step.id === value.step)) {
      await clicks.refuse(
        click,
        staleOwner(incident?.cluster),
        'unknown_record',
        tell,
        t('slack:action.stale'),
      );
      return undefined;
    }
    const owner = ownerOf(incident);
    const refusal = await clicks.checkStop(click, owner);
    if (refusal) {
      const text =
        refusal === 'not_member'
          ? t('incident:answer.not_member', { cluster: incident.cluster })
          : refusalText(t, refusal, incident.cluster);
      await clicks.refuse(click, owner, refusal, tell, text);
      return undefined;
    }
    if (incident.closedAt) {
      await tell(t('incident:answer.step_gone'));
      return undefined;
    }
    return { incident, step: value.step };
  }

  const openForm = (mode: StepFormMode, control: string) =>
    app.action<BlockButtonAction>(control, async ({ body, action, client, respond, context }) => {
      const { t, lang } = context;
      const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
      const ok = await allowed(body, action.value, control, t, tell);
      if (!ok) return;
      const step = checklist.template.find((x) => x.id === ok.step) ?? { id: ok.step };
      const effective: StepFormMode =
        mode === 'skip' ? 'skip' : ok.step === 'scale_decision' ? 'decide' : 'done';
      try {
        await client.views.open({
          trigger_id: body.trigger_id,
          view: stepFormView(
            t,
            { incident: ok.incident.id, step: ok.step, mode: effective, channel: ok.incident.channel, lang },
            stepTitle(t, step, { lang, targetPct: s.config.watch.targetPct }),
          ),
        });
      } catch (err) {
        await tell(t('incident:answer.open_failed', { code: slackErrorCode(err) }));
      }
    });
  openForm('skip', ActionId.ChecklistSkip);
  openForm('done', ActionId.ChecklistDecide);

  app.view(ChecklistForm.stepCallbackId, async ({ ack, body, view, context }) => {
    const { t } = context;
    const meta = parseStepFormMeta(view.private_metadata);
    const text = truncate(
      (view.state.values[ChecklistForm.input]?.[ChecklistForm.input]?.value ?? '').trim(),
      FORM_TEXT_MAX,
    );
    const incident = meta ? await s.incidents.get(meta.incident).catch(() => undefined) : undefined;
    const click = {
      user: body.user.id,
      channel: meta?.channel ?? '',
      control: `checklist_${meta?.mode ?? 'form'}`,
    };
    const fail = (message: string) =>
      ack({ response_action: 'errors', errors: { [ChecklistForm.input]: message } });
    if (!meta || !incident) {
      await fail(t('incident:answer.step_gone'));
      await clicks.refuse(click, staleOwner(incident?.cluster), 'unknown_record', async () => {}, '');
      return;
    }
    // Checked again at submit: membership may have changed while the form was open.
    const refusal = await clicks.checkStop(click, ownerOf(incident));
    if (refusal) {
      await fail(t('incident:answer.not_member', { cluster: incident.cluster }));
      await clicks.refuse(click, ownerOf(incident), refusal, async () => {}, '');
      return;
    }
    if (text === '') {
      await fail(t('incident:modal.empty'));
      return;
    }
    let outcome: string;
    if (meta.mode === 'skip') {
      outcome = await checklist.skip(incident.id, meta.step, text, body.user.id);
    } else if (meta.mode === 'decide') {
      // Recorded as the decision itself: the capacity advisor records the same entry.
      const before = (await checklist.steps(incident.id)).find((x) => x.id === meta.step)?.state;
      await recordTimeline(s, incident.id, {
        at: new Date().toISOString(),
        kind: SCALE_DECIDED,
        actor: body.user.id,
        data: { decision: text },
      });
      outcome = before === 'done' ? 'unchanged' : 'moved';
    } else {
      outcome = await checklist.tick(incident.id, meta.step, body.user.id, text);
    }
    if (outcome === 'moved') await ack();
    else
      await fail(
        t(outcome === 'no_incident' ? 'incident:answer.step_gone' : 'incident:answer.step_done_already'),
      );
  });

  app.action<BlockButtonAction>(
    ActionId.ChecklistMonitoring,
    async ({ body, action, client, respond, context }) => {
      const { t, lang } = context;
      const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
      const ok = await allowed(body, action.value, ActionId.ChecklistMonitoring, t, tell);
      const cluster = ok ? s.cluster(ok.incident.cluster) : undefined;
      if (!ok || !cluster) return;
      try {
        await postMonitoringExport(s, client, {
          cluster,
          channel: ok.incident.channel,
          incident: ok.incident,
          user: body.user.id,
          t,
          lang,
        });
      } catch (err) {
        await tell(t('incident:answer.monitoring_failed', { code: slackErrorCode(err) }));
      }
    },
  );

  app.action<BlockButtonAction>(ActionId.ChecklistRemind, async ({ body, action, respond, context }) => {
    const { t, lang } = context;
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const ok = await allowed(body, action.value, ActionId.ChecklistRemind, t, tell);
    if (!ok || !s.reminders) return;
    const { scheduled, at } = await scheduleReassessment({ reminders: s.reminders, checklist }, ok.incident, {
      by: body.user.id,
      targetPct: s.config.watch.targetPct,
    });
    await tell(
      scheduled
        ? t('incident:answer.remind_scheduled', {
            cluster: ok.incident.cluster,
            date: formatDate(new Date(at), lang),
          })
        : t('incident:answer.remind_already'),
    );
  });

  app.action<BlockButtonAction>(
    ActionId.ChecklistNotify,
    async ({ body, action, client, respond, context }) => {
      const { t, lang } = context;
      const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
      const ok = await allowed(body, action.value, ActionId.ChecklistNotify, t, tell);
      const cluster = ok ? s.cluster(ok.incident.cluster) : undefined;
      if (!ok || !cluster) return;
      await openNotifyForm(s, client, {
        triggerId: body.trigger_id,
        cluster,
        origin: ok.incident.channel,
        user: body.user.id,
        lang,
        t,
        tell,
      });
    },
  );
}
