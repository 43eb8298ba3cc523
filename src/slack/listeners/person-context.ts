import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { I18n, Lang } from '../../i18n/index.js';
import type { LangResolver, PersonContext } from './types.js';

/**
 * The one global middleware in front of every listener: it acks, then finds the person's language
 * and puts it and `t` in `context`, so no listener repeats it.
 *
 * - Slash commands and buttons are acked here, before the language is looked up (a users.info
 *   call, cached, bounded at 1.5 s, must never eat Slack's 3 s): their listeners never ack and
 *   answer through `respond` or the Web API. A command that opens a modal waits for the language
 *   at most `langWaitMs[command]` (its trigger id lives 3 s) and answers in English after that.
 * - A form submission is acked by its listener (validation errors ride on the ack): it answers in
 *   the language the form was opened in (`lang` in its private metadata), else the person's.
 */
export function personContext(options: {
  langFor: LangResolver;
  i18n: I18n;
  langWaitMs?: Readonly<Record<string, number>>;
}): Middleware<AnyMiddlewareArgs, PersonContext> {
  return async (args) => {
    const { client, context, next } = args;
    const body = args.body as IncomingBody;
    const ack = (args as { ack?: () => Promise<void> }).ack;
    let lang: Lang | undefined;
    if (body.type === undefined && typeof body.command === 'string' && body.user_id) {
      await ack?.();
      const wait = options.langWaitMs?.[body.command];
      const looked = options.langFor(client, body.user_id, body.channel_id);
      lang = wait === undefined ? await looked : await withinOrEnglish(looked, wait);
    } else if (body.type === 'block_actions' && body.user?.id) {
      await ack?.();
      lang = await options.langFor(client, body.user.id, body.channel?.id);
    } else if (body.type === 'view_submission' && body.user?.id) {
      lang = formLang(body.view?.private_metadata) ?? (await options.langFor(client, body.user.id));
    } else if (body.type === 'event_callback' && typeof body.event?.user === 'string') {
      // Events (App Home opened) are acked by the receiver; the person's own language, no channel.
      lang = await options.langFor(client, body.event.user);
    }
    if (lang) {
      context.lang = lang;
      context.t = options.i18n.slack(lang);
    }
    await next();
  };
}

/** The fields of a command, button or form payload the middleware reads. */
interface IncomingBody {
  type?: string;
  command?: string;
  user_id?: string;
  channel_id?: string;
  user?: { id?: string };
  channel?: { id?: string };
  view?: { private_metadata?: string };
  event?: { user?: unknown };
}

function withinOrEnglish(lookup: Promise<Lang>, ms: number): Promise<Lang> {
  return Promise.race([lookup, new Promise<Lang>((resolve) => setTimeout(() => resolve('en'), ms).unref())]);
}

/** The language a modal was opened in, when its private metadata (JSON) names one. */
function formLang(metadata: string | undefined): Lang | undefined {
  try {
    const lang = (JSON.parse(metadata ?? '') as { lang?: unknown }).lang;
    return lang === 'en' || lang === 'zh' ? lang : undefined;
  } catch {
    return undefined;
  }
}
