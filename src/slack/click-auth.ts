/**
 * Who may press a button, and where: the one check every button that changes something goes
 * through, and the one way a click is refused (a localized ephemeral reply to the clicker and an
 * audit entry saying who clicked what, in which channel, and why it was refused).
 *
 * Where: the click must come from the channel the record it acts on belongs to (the watch's or
 * census's incident channel, the run's channel), whoever clicks. Who, for stopping a read-only job
 * (a watch, a census): its requester, an approver of the cluster, or a member of that channel; a
 * non-member who can see a public channel is not on call there.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import { errorMessage } from '../errors.js';
import type { Translate } from '../i18n/types.js';
import { cachedGroupMembers, type GroupMembers, isApprover } from '../incidents/approvals.js';
import type { AuditAction, AuditInput } from '../incidents/audit-log.js';
import { redact } from '../redis/errors.js';
import type { SlackServices } from './services.js';

/** Why a click was refused: the audit entry's reason code. */
export type ClickRefusal = 'wrong_channel' | 'not_member';

/** The record a button acts on: where it lives and whose it is. */
export interface ControlOwner {
  cluster: string;
  /** The channel the record (and the message carrying the button) belongs to. */
  channel: string;
  requester?: string;
  incidentId?: string;
  runId?: string;
}

/** One click: who pressed which control, in which channel (from Slack's signed payload). */
export interface Click {
  user: string;
  /** Empty when the payload names no channel: it then matches no record. */
  channel: string;
  /** The button, as audited: `watch_cancel`, `census_cancel`, `ttl_run_pause` … */
  control: string;
}

/**
 * The owner of a click whose record is gone or never existed (a stale or forged button): the
 * refusal is still audited, under the cluster the button named when it names one.
 */
export function staleOwner(cluster: string | undefined): ControlOwner {
  return { cluster: typeof cluster === 'string' ? cluster : '', channel: '' };
}

export function clickOf(body: BlockButtonAction, control: string): Click {
  return { user: body.user.id, channel: body.channel?.id ?? '', control };
}

/** Members of a conversation (user ids). Rejects when they cannot be read. */
export type ChannelMembers = (channel: string) => Promise<readonly string[]>;

export interface ClickGuard {
  /** Channel first (a click from elsewhere is refused whoever clicks), then the clicker. */
  checkStop(click: Click, owner: ControlOwner): Promise<ClickRefusal | undefined>;
  /** Only the channel: for controls whose own rule decides who (TTL runs, approvals). */
  checkChannel(click: Click, owner: ControlOwner): ClickRefusal | undefined;
  /** Audits the refusal (`refused`, with reason and where), then tells the clicker `text`. */
  refuse(
    click: Click,
    owner: ControlOwner | undefined,
    reason: string,
    tell: (text: string) => Promise<unknown>,
    text: string,
  ): Promise<void>;
  /** Audits an accepted click. */
  accepted(click: Click, owner: ControlOwner, action: AuditAction): Promise<void>;
}

/** Pages of conversations.members read for one channel: 20 000 members is plenty for an incident channel. */
const MAX_MEMBER_PAGES = 20;

/** conversations.members, page by page; cached a minute and bounded to 2 s (fails closed). */
export function channelMembersFrom(app: App): ChannelMembers {
  return cachedGroupMembers(
    async (channel) => {
      const users: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_MEMBER_PAGES; page++) {
        const res = await app.client.conversations.members({
          channel,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        users.push(...(res.members ?? []));
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!cursor) break;
      }
      return users;
    },
    { ttlMs: 60_000, timeoutMs: 2_000 },
  );
}

export function createClickGuard(
  s: Pick<SlackServices, 'cluster' | 'logger' | 'remediation'>,
  deps: { members: ChannelMembers; groupMembers: GroupMembers },
): ClickGuard {
  const audit = async (entry: AuditInput) => {
    // Losing an audit entry is logged by the audit log itself; the click's answer still goes out.
    await s.remediation.audit.append(entry).catch(() => {});
  };
  const where = (click: Click, owner: ControlOwner | undefined) => ({
    cluster: owner?.cluster ?? '',
    control: click.control,
    ...(click.channel ? { channel: click.channel } : {}),
    ...(owner?.incidentId ? { incidentId: owner.incidentId } : {}),
    ...(owner?.runId ? { runId: owner.runId } : {}),
  });
  const checkChannel = (click: Click, owner: ControlOwner): ClickRefusal | undefined =>
    click.channel !== '' && click.channel === owner.channel ? undefined : 'wrong_channel';

  return {
    checkChannel,
    async checkStop(click, owner) {
      const misplaced = checkChannel(click, owner);
      if (misplaced) return misplaced;
      if (click.user === owner.requester) return undefined;
      const approver = await isApprover(
        click.user,
        s.cluster(owner.cluster)?.approvers,
        deps.groupMembers,
      ).catch(() => false);
      if (approver) return undefined;
      try {
        if ((await deps.members(owner.channel)).includes(click.user)) return undefined;
      } catch (err) {
        s.logger.warn(
          { err: redact(errorMessage(err)), channel: owner.channel },
          'channel members unreadable',
        );
      }
      return 'not_member';
    },
    async refuse(click, owner, reason, tell, text) {
      await audit({ actor: click.user, action: 'refused', reason, ...where(click, owner) });
      await tell(text).catch(() => {});
    },
    async accepted(click, owner, action) {
      await audit({ actor: click.user, action, ...where(click, owner) });
    },
  };
}

/** The guard the listeners use: channel members from conversations.members, groups from usergroups. */
export function defaultClickGuard(app: App, s: Pick<SlackServices, 'cluster' | 'logger' | 'remediation'>) {
  return createClickGuard(s, {
    members: channelMembersFrom(app),
    groupMembers: cachedGroupMembers(
      async (usergroup) => (await app.client.usergroups.users.list({ usergroup })).users ?? [],
      { ttlMs: 60_000, timeoutMs: 2_000 },
    ),
  });
}

/** What the clicker is told about a refusal. */
export function refusalText(t: Translate, reason: ClickRefusal, cluster: string): string {
  return reason === 'wrong_channel'
    ? t('slack:action.wrong_channel')
    : t('slack:action.not_member', { cluster });
}
