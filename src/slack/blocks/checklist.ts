/**
 * The incident checklist message (pinned at the top of the incident thread, redrawn in place): one
 * line per step with its state and who moved it, and under each open step the button that does it
 * plus "Skip…". A closed incident shows its resolution and no buttons. Pure Block Kit.
 */
import type { types } from '@slack/bolt';
import { formatDateTime, formatPct } from '../../i18n/format.js';
import type { Lang, Translate } from '../../i18n/types.js';
import type { ChecklistStep } from '../../incidents/checklist/types.js';
import type { Incident } from '../../incidents/incident-store.js';
import { stepStateLine, stepTitle, who } from '../../presenters/checklist-words.js';
import { ActionId, encodeButtonValue } from '../action-ids.js';

type KnownBlock = types.KnownBlock;
type Button = types.Button;

export interface ChecklistView {
  incident: Incident;
  steps: ChecklistStep[];
  lang: Lang;
  timeZone: string;
  /** `watch.targetPct`: the runbook's "below 75 %". */
  targetPct: number;
}

const MARK: Record<ChecklistStep['state'], string> = {
  pending: ':white_medium_square:',
  in_progress: ':hourglass_flowing_sand:',
  done: ':white_check_mark:',
  skipped: ':fast_forward:',
};

export { stepTitle } from '../../presenters/checklist-words.js';

export function checklistMessage(t: Translate, v: ChecklistView): { text: string; blocks: KnownBlock[] } {
  const { incident, steps } = v;
  const done = steps.filter((s) => s.state === 'done' || s.state === 'skipped').length;
  const when = (iso: string | undefined) => (iso ? formatDateTime(new Date(iso), v.lang, v.timeZone) : '');
  const severity = t(`incident:severity.${incident.severity ?? 'info'}`);
  const opened =
    incident.openedBy === 'monitor'
      ? t('incident:checklist.opened_alert', {
          when: when(incident.openedAt),
          severity,
          done,
          total: steps.length,
        })
      : t('incident:checklist.opened', {
          who: who(t, incident.openedBy),
          when: when(incident.openedAt),
          severity,
          done,
          total: steps.length,
        });
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: t('incident:checklist.title', { cluster: incident.cluster }) },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: opened }] },
  ];
  const closed = Boolean(incident.closedAt);
  steps.forEach((step, i) => {
    const title = stepTitle(t, step, v);
    blocks.push({
      type: 'section',
      block_id: `step_${step.id}`,
      text: {
        type: 'mrkdwn',
        text: `${MARK[step.state]} *${i + 1}. ${title}*\n${stepStateLine(t, step, when)}`,
      },
    });
    const open = step.state === 'pending' || step.state === 'in_progress';
    if (!closed && open) {
      blocks.push({
        type: 'actions',
        block_id: `step_actions_${step.id}`,
        elements: stepButtons(t, step, v),
      });
    }
  });
  if (closed) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: t('incident:checklist.closed', {
          who: who(t, incident.closedBy ?? ''),
          when: when(incident.closedAt),
          resolution: incident.resolution ?? '',
        }),
      },
    });
  }
  const text = t('incident:checklist.fallback', { cluster: incident.cluster, done, total: steps.length });
  return { text, blocks };
}

function stepButtons(t: Translate, step: ChecklistStep, v: ChecklistView): Button[] {
  const { incident } = v;
  const stepValue = JSON.stringify({ incident: incident.id, step: step.id });
  const planValue = JSON.stringify({ cluster: incident.cluster });
  const button = (actionId: string, text: string, value: string, primary = false): Button => ({
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text },
    value,
    ...(primary ? { style: 'primary' as const } : {}),
  });
  const target = formatPct(v.targetPct, v.lang, 0);
  const own: Button[] = [];
  switch (step.id) {
    case 'verify_recovery':
      // Also while in progress: a watch that timed out can be started again (one runs at a time).
      own.push(
        button(
          ActionId.WatchStart,
          t('incident:button.watch', { target }),
          encodeButtonValue({ cluster: incident.cluster, incident: incident.id, target: v.targetPct }),
          true,
        ),
      );
      break;
    case 'dry_run':
      own.push(button(ActionId.PlanDryRun, t('incident:button.plan_dry_run'), planValue, true));
      break;
    case 'sign_off':
      own.push(
        button(ActionId.PlanRequestApproval, t('incident:button.plan_request_approval'), planValue, true),
      );
      break;
    case 'execute':
      break; // the runs start from the plan's approval
    case 'notify_dev_team':
      own.push(button(ActionId.ChecklistNotify, t('incident:button.notify'), stepValue));
      break;
    case 'deploy_monitoring':
      own.push(button(ActionId.ChecklistMonitoring, t('incident:button.monitoring'), stepValue));
      break;
    case 'watch_two_weeks':
      if (step.state === 'pending')
        own.push(button(ActionId.ChecklistRemind, t('incident:button.remind'), stepValue));
      break;
    case 'scale_decision':
      own.push(button(ActionId.ChecklistDecide, t('incident:button.decide'), stepValue));
      break;
    default:
      own.push(button(ActionId.ChecklistDecide, t('incident:button.done'), stepValue));
  }
  return [...own, button(ActionId.ChecklistSkip, t('incident:button.skip'), stepValue)];
}
