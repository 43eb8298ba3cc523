/**
 * The small forms of the incident checklist: skip a step (why), decide scaling / mark a step done
 * (what), and close the incident (the resolution summary). One text input each; what the form acts
 * on rides in private_metadata (kept by Slack, not editable by the person).
 */
import type { types } from '@slack/bolt';
import type { Lang, Translate } from '../../i18n/types.js';

type View = types.View;

export const ChecklistForm = {
  stepCallbackId: 'checklist_step_form',
  closeCallbackId: 'incident_close_form',
  input: 'text',
} as const;

/** Long enough for a sentence or two; short enough to stay readable on the checklist. */
export const FORM_TEXT_MAX = 500;

export type StepFormMode = 'skip' | 'decide' | 'done';

export interface StepFormMeta {
  incident: string;
  step: string;
  mode: StepFormMode;
  /** The incident's channel, where the button was clicked. */
  channel: string;
  lang: Lang;
}

export interface CloseFormMeta {
  incident: string;
  channel: string;
  lang: Lang;
}

export function stepFormView(t: Translate, meta: StepFormMeta, stepTitle: string): View {
  const key = meta.mode === 'skip' ? 'skip' : meta.mode === 'decide' ? 'decide' : 'done';
  return textForm(t, {
    callbackId: ChecklistForm.stepCallbackId,
    title: t(`incident:modal.${key}_title`),
    label: t(`incident:modal.${key}_label`),
    hint: t(`incident:modal.${key}_hint`, { step: stepTitle }),
    submit: t('incident:modal.submit'),
    meta: JSON.stringify(meta),
  });
}

export function closeFormView(t: Translate, meta: CloseFormMeta): View {
  return textForm(t, {
    callbackId: ChecklistForm.closeCallbackId,
    title: t('incident:modal.close_title'),
    label: t('incident:modal.close_label'),
    hint: t('incident:modal.close_hint'),
    submit: t('incident:modal.close_submit'),
    meta: JSON.stringify(meta),
  });
}

function textForm(
  t: Translate,
  f: { callbackId: string; title: string; label: string; hint: string; submit: string; meta: string },
): View {
  return {
    type: 'modal',
    callback_id: f.callbackId,
    private_metadata: f.meta,
    title: { type: 'plain_text', text: f.title },
    submit: { type: 'plain_text', text: f.submit },
    close: { type: 'plain_text', text: t('incident:modal.cancel') },
    blocks: [
      { type: 'context', elements: [{ type: 'mrkdwn', text: f.hint }] },
      {
        type: 'input',
        block_id: ChecklistForm.input,
        label: { type: 'plain_text', text: f.label },
        element: {
          type: 'plain_text_input',
          action_id: ChecklistForm.input,
          multiline: true,
          max_length: FORM_TEXT_MAX,
        },
      },
    ],
  };
}

function parse(raw: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(raw ?? '') as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const ID = /^[A-Za-z0-9-]+$/;
const CHANNEL = /^[CG][A-Z0-9]{2,}$/;

export function parseStepFormMeta(raw: string | undefined): StepFormMeta | undefined {
  const m = parse(raw);
  if (!m || typeof m.incident !== 'string' || !ID.test(m.incident)) return undefined;
  if (typeof m.step !== 'string' || !/^[a-z][a-z0-9_]{0,39}$/.test(m.step)) return undefined;
  if (m.mode !== 'skip' && m.mode !== 'decide' && m.mode !== 'done') return undefined;
  if (typeof m.channel !== 'string' || !CHANNEL.test(m.channel)) return undefined;
  return {
    incident: m.incident,
    step: m.step,
    mode: m.mode,
    channel: m.channel,
    lang: m.lang === 'zh' ? 'zh' : 'en',
  };
}

export function parseCloseFormMeta(raw: string | undefined): CloseFormMeta | undefined {
  const m = parse(raw);
  if (!m || typeof m.incident !== 'string' || !ID.test(m.incident)) return undefined;
  if (typeof m.channel !== 'string' || !CHANNEL.test(m.channel)) return undefined;
  return { incident: m.incident, channel: m.channel, lang: m.lang === 'zh' ? 'zh' : 'en' };
}
