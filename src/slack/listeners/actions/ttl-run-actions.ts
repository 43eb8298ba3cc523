import type { BlockButtonAction } from '@slack/bolt';
import { userMention } from '../../../i18n/mrkdwn.js';
import { cachedGroupMembers, type GroupMembers, isApprover } from '../../../incidents/approvals.js';
import type { TtlControlResult, TtlRunService, TtlRunState } from '../../../jobs/ttl-job.js';
import { ActionId } from '../../action-ids.js';
import { decodeTtlRunButton } from '../../blocks/ttl-run.js';
import { type ClickGuard, clickOf, defaultClickGuard, refusalText, staleOwner } from '../../click-auth.js';
import type { SlackServices } from '../../services.js';
import type { MedicApp } from '../types.js';

/** May this user press Pause / Resume / Cancel on this run? */
export type TtlRunAllowed = (userId: string, run: TtlRunState) => Promise<boolean>;

/**
 * The requester, the approver who approved it, or anyone who is an approver of the run's cluster
 * now (config users, or members of its user groups: B's `isApprover`, failing closed when a group
 * can't be read).
 */
export function ttlRunAllowed(s: Pick<SlackServices, 'cluster'>, members?: GroupMembers): TtlRunAllowed {
  return async (userId, run) =>
    userId === run.requestedBy ||
    userId === run.approvedBy ||
    isApprover(userId, s.cluster(run.cluster)?.approvers, members);
}

type Control = 'pause' | 'resume' | 'cancel';

const CONTROLS: Record<string, Control> = {
  [ActionId.TtlRunPause]: 'pause',
  [ActionId.TtlRunResume]: 'resume',
  [ActionId.TtlRunCancel]: 'cancel',
};

/**
 * Pause / Resume / Cancel on a TTL run's progress message. The click only changes the run's
 * control record on the queue Redis; the worker that owns the run (on any replica) reads it after
 * every page, stops within that page and updates the message itself.
 */
export function registerTtlRunActions(
  app: MedicApp,
  s: SlackServices,
  options: { runs: TtlRunService; isAllowed?: TtlRunAllowed; clicks?: ClickGuard },
): void {
  const clicks = options.clicks ?? defaultClickGuard(app, s);
  const isAllowed =
    options.isAllowed ??
    ttlRunAllowed(
      s,
      cachedGroupMembers(
        async (usergroup) => (await app.client.usergroups.users.list({ usergroup })).users ?? [],
        { ttlMs: 60_000, timeoutMs: 2_000 },
      ),
    );
  const ids = Object.keys(CONTROLS).join('|');

  app.action<BlockButtonAction>(new RegExp(`^(${ids})$`), async ({ body, action, respond, context }) => {
    const user = body.user.id;
    const { t } = context;
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const control = CONTROLS[action.action_id];
    const value = decodeTtlRunButton(action.value);
    const run = value ? await options.runs.state(value.run) : undefined;
    if (!control || !run) {
      const click = clickOf(body, `ttl_run_${control ?? 'unknown'}`);
      await clicks.refuse(
        click,
        staleOwner(undefined),
        'unknown_record',
        say,
        t('remediation-run:action.unknown'),
      );
      return;
    }
    const click = clickOf(body, `ttl_run_${control}`);
    const owner = {
      cluster: run.cluster,
      channel: run.channel,
      requester: run.requestedBy,
      runId: run.runId,
      ...(run.incidentId ? { incidentId: run.incidentId } : {}),
    };
    // A button from another channel than the run's own is a forged or stray click.
    const misplaced = clicks.checkChannel(click, owner);
    if (misplaced) {
      await clicks.refuse(click, owner, misplaced, say, refusalText(t, misplaced, run.cluster));
      return;
    }
    if (!(await isAllowed(user, run).catch(() => false))) {
      await clicks.refuse(
        click,
        owner,
        `not_allowed_${control}`,
        say,
        t('remediation-run:action.not_allowed', {
          requester: userMention(run.requestedBy),
          cluster: run.cluster,
        }),
      );
      return;
    }
    const result: TtlControlResult =
      control === 'pause'
        ? await options.runs.pause(run.runId, user)
        : control === 'resume'
          ? await options.runs.resume(run.runId, user)
          : await options.runs.cancel(run.runId, user);
    if (result.ok) {
      await say(t(`remediation-run:action.${control}_ok`));
      return;
    }
    if (result.reason === 'unknown') {
      await say(t('remediation-run:action.unknown'));
      return;
    }
    const status = result.state?.status ?? 'done';
    if (result.reason === 'finished') {
      await say(t('remediation-run:action.finished', { status: t(`remediation-run:status.${status}`) }));
      return;
    }
    const already =
      status === 'cancelling'
        ? 'already_cancelling'
        : status === 'paused'
          ? 'already_paused'
          : 'already_running';
    await say(t(`remediation-run:action.${already}`));
  });
}
