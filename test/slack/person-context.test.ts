import type { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createI18n, type Lang } from '../../src/i18n/index.js';
import { personContext } from '../../src/slack/listeners/person-context.js';
import type { LangResolver, PersonContext } from '../../src/slack/listeners/types.js';
import { waitFor } from '../support/wait-for.js';

const i18n = createI18n({ strict: true });

/** A language lookup that answers only when the test says so, logging when it is asked. */
function heldLookup(log: string[]) {
  let answer: (lang: Lang) => void = () => {};
  const langFor: LangResolver = (_client, user, channel) => {
    log.push(`lookup ${user} ${channel ?? '-'}`);
    return new Promise<Lang>((resolve) => {
      answer = resolve;
    });
  };
  return { langFor, answer: (lang: Lang) => answer(lang) };
}

/** Runs the middleware on one payload; resolves with the context the listener would see. */
function run(
  middleware: ReturnType<typeof personContext>,
  body: Record<string, unknown>,
  log: string[],
): Promise<Partial<PersonContext>> {
  const context: Record<string, unknown> = {};
  return new Promise((resolve, reject) => {
    const args = {
      body,
      ack: async () => {
        log.push('ack');
      },
      client: {} as webApi.WebClient,
      context,
      next: async () => {
        log.push('listener');
        resolve(context as Partial<PersonContext>);
      },
    } as unknown as Parameters<typeof middleware>[0];
    middleware(args).catch(reject);
  });
}

describe('personContext middleware', () => {
  it('acks a slash command before it looks the language up, then hands lang and t to the listener', async () => {
    const log: string[] = [];
    const lookup = heldLookup(log);
    const done = run(
      personContext({ langFor: lookup.langFor, i18n }),
      { command: '/redis-status', text: '', user_id: 'UZH', channel_id: 'C1' },
      log,
    );
    await waitFor('the lookup', () => log.includes('lookup UZH C1'), { timeoutMs: 5_000, intervalMs: 1 });
    // The lookup is still unanswered: Slack has its ack already, the listener has not run.
    expect(log).toEqual(['ack', 'lookup UZH C1']);
    lookup.answer('zh');
    const context = await done;
    expect(log).toEqual(['ack', 'lookup UZH C1', 'listener']);
    expect(context.lang).toBe('zh');
    expect(context.t?.('slack:action.stale')).toBe(i18n.slack('zh')('slack:action.stale'));
  });

  it('acks a button before the lookup, with the channel the click came from', async () => {
    const log: string[] = [];
    const lookup = heldLookup(log);
    const done = run(
      personContext({ langFor: lookup.langFor, i18n }),
      { type: 'block_actions', user: { id: 'U1' }, channel: { id: 'C9' }, actions: [] },
      log,
    );
    await waitFor('the lookup', () => log.length === 2, { timeoutMs: 5_000, intervalMs: 1 });
    expect(log).toEqual(['ack', 'lookup U1 C9']);
    lookup.answer('en');
    expect((await done).lang).toBe('en');
  });

  it('opens a modal in English when the language is not known within the wait, never later', async () => {
    const log: string[] = [];
    const lookup = heldLookup(log);
    const context = await run(
      personContext({ langFor: lookup.langFor, i18n, langWaitMs: { '/redis-notify': 20 } }),
      { command: '/redis-notify', text: '', user_id: 'UZH', channel_id: 'C1', trigger_id: 'x' },
      log,
    );
    // The lookup never answered: the listener ran anyway, in English.
    expect(log).toEqual(['ack', 'lookup UZH C1', 'listener']);
    expect(context.lang).toBe('en');
  });

  it("leaves a form's ack to its listener and answers in the language the form was opened in", async () => {
    const log: string[] = [];
    const lookup = heldLookup(log);
    const middleware = personContext({ langFor: lookup.langFor, i18n });
    const opened = await run(
      middleware,
      { type: 'view_submission', user: { id: 'U1' }, view: { private_metadata: '{"lang":"zh"}' } },
      log,
    );
    expect(log).toEqual(['listener']);
    expect(opened.lang).toBe('zh');
    // Metadata without a language: the person's, looked up without a channel, still no ack here.
    const later = run(
      middleware,
      { type: 'view_submission', user: { id: 'U2' }, view: { private_metadata: 'not json' } },
      log,
    );
    await waitFor('the lookup', () => log.length === 2, { timeoutMs: 5_000, intervalMs: 1 });
    lookup.answer('zh');
    expect((await later).lang).toBe('zh');
    expect(log).toEqual(['listener', 'lookup U2 -', 'listener']);
  });
});
