import type { types } from '@slack/bolt';
import { escapeMrkdwn, truncate } from '../../i18n/mrkdwn.js';
import type { Lang, Translate } from '../../i18n/types.js';
import type { MessageDoc } from '../../presenters/message-doc.js';
import { docBlocks } from './message-doc-blocks.js';

type KnownBlock = types.KnownBlock;
type View = types.View;

/** Callback id of the modal, and the block/action ids of its inputs. */
export const NotifyView = {
  callbackId: 'redis_notify',
  summary: (lang: Lang) => `summary_${lang}`,
  owner: 'owner',
  deadline: 'deadline',
  channel: 'channel',
  langs: 'langs',
} as const;

/** What the modal carries between opening and Send (private_metadata, ≤ 3000 chars). */
export interface NotifyViewMeta {
  cluster: string;
  incidentId?: string;
  /** Where /redis-notify was typed: errors are shown there. */
  origin: string;
  /** The language the person reads the modal in. */
  lang: Lang;
}

/** Inputs keep Slack's own limit for a plain_text_input. */
export const SUMMARY_MAX = 3000;
/** A modal holds 100 blocks: the preview gets what the inputs leave. */
const PREVIEW_BLOCKS_PER_LANG = 40;

export function notifyLoadingView(t: Translate): View {
  return {
    type: 'modal',
    callback_id: NotifyView.callbackId,
    title: { type: 'plain_text', text: t('notify:modal.title') },
    close: { type: 'plain_text', text: t('notify:modal.cancel') },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: t('notify:modal.loading') } }],
  };
}

export function notifyErrorView(t: Translate, text: string): View {
  return {
    type: 'modal',
    callback_id: NotifyView.callbackId,
    title: { type: 'plain_text', text: t('notify:modal.title') },
    close: { type: 'plain_text', text: t('notify:modal.close') },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

/**
 * The editable draft: a summary per language (pre-filled), the owner, a deadline, the channel
 * (the dev-team channel by default), which languages to send, and a preview of the message.
 */
export function notifyModal(
  t: Translate,
  input: {
    meta: NotifyViewMeta;
    drafts: Record<Lang, string>;
    previews: MessageDoc[];
    devTeamChannel?: string;
  },
): View {
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: t('notify:modal.intro', { cluster: input.meta.cluster }) }],
    },
  ];
  for (const lang of ['en', 'zh'] as const) {
    blocks.push({
      type: 'input',
      block_id: NotifyView.summary(lang),
      label: { type: 'plain_text', text: t(`notify:modal.summary_${lang}`) },
      element: {
        type: 'plain_text_input',
        action_id: NotifyView.summary(lang),
        multiline: true,
        max_length: SUMMARY_MAX,
        initial_value: truncate(input.drafts[lang], SUMMARY_MAX),
      },
    });
  }
  blocks.push(
    {
      type: 'input',
      block_id: NotifyView.owner,
      optional: true,
      label: { type: 'plain_text', text: t('notify:modal.owner') },
      element: { type: 'users_select', action_id: NotifyView.owner },
    },
    {
      type: 'input',
      block_id: NotifyView.deadline,
      optional: true,
      label: { type: 'plain_text', text: t('notify:modal.deadline') },
      element: { type: 'datepicker', action_id: NotifyView.deadline },
    },
    {
      type: 'input',
      block_id: NotifyView.channel,
      label: { type: 'plain_text', text: t('notify:modal.channel') },
      element: {
        type: 'conversations_select',
        action_id: NotifyView.channel,
        filter: { include: ['public', 'private'], exclude_bot_users: true },
        ...(input.devTeamChannel ? { initial_conversation: input.devTeamChannel } : {}),
      },
    },
    {
      type: 'input',
      block_id: NotifyView.langs,
      label: { type: 'plain_text', text: t('notify:modal.langs') },
      element: {
        type: 'static_select',
        action_id: NotifyView.langs,
        initial_option: langOption(t, 'both'),
        options: (['both', 'en', 'zh'] as const).map((m) => langOption(t, m)),
      },
    },
    { type: 'divider' },
  );
  for (const doc of input.previews) blocks.push(...previewBlocks(t, doc));
  return {
    type: 'modal',
    callback_id: NotifyView.callbackId,
    private_metadata: JSON.stringify(input.meta),
    title: { type: 'plain_text', text: t('notify:modal.title') },
    submit: { type: 'plain_text', text: t('notify:modal.send') },
    close: { type: 'plain_text', text: t('notify:modal.cancel') },
    blocks,
  };
}

function langOption(t: Translate, mode: 'both' | Lang) {
  return { text: { type: 'plain_text' as const, text: t(`notify:modal.lang_${mode}`) }, value: mode };
}

/** The message as it will read (minus the edits in progress), within the modal's block budget. */
function previewBlocks(t: Translate, doc: MessageDoc): KnownBlock[] {
  // The message's own blocks (header dropped: the preview has its own), so code fences stay balanced.
  const all = docBlocks(doc).filter((b) => b.type !== 'header');
  const shown = all.slice(0, PREVIEW_BLOCKS_PER_LANG);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: t(`notify:modal.preview_${doc.lang}`) } },
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(doc.title)}*` } },
    ...shown,
  ];
  if (all.length > shown.length)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: t('notify:modal.preview_shortened') }],
    });
  return blocks;
}

/** private_metadata comes back with the submission: parsed defensively all the same. */
export function parseNotifyMeta(raw: string | undefined): NotifyViewMeta | undefined {
  try {
    const v = JSON.parse(raw ?? '') as Partial<NotifyViewMeta>;
    if (typeof v.cluster !== 'string' || typeof v.origin !== 'string') return undefined;
    if (v.incidentId !== undefined && !/^[A-Za-z0-9-]+$/.test(v.incidentId)) return undefined;
    return {
      cluster: v.cluster,
      origin: v.origin,
      lang: v.lang === 'zh' ? 'zh' : 'en',
      ...(v.incidentId ? { incidentId: v.incidentId } : {}),
    };
  } catch {
    return undefined;
  }
}
