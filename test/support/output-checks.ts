/**
 * What every piece of bot output must be, checked on everything the fake Slack API recorded:
 * well-formed UTF-16, no broadcast mention (`<!channel>`, `<!here>`, `<!everyone>`) and no user
 * mention of anyone but the people the test used; plus the English sentences of locales/en, to find
 * one in a reply meant for a Chinese reader.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { isWellFormed as isWellFormedUtf16 } from './hostile-text.js';
import type { FakeSlackApi, RecordedCall } from './slack/fake-slack-api.js';

/** Every string inside a JSON value (keys too: a block id is output). */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out);
    }
  }
  return out;
}

/** No lone surrogate: the one check the test support has, in hostile-text.ts. */
export { isWellFormedUtf16 };

const BROADCAST = /<!(channel|here|everyone)\b/;
const USER_MENTION = /<@([^>|]*)/g;

/** Problems in what the bot sent in these calls; `people` may be mentioned, nobody else. */
export function outputProblems(calls: readonly RecordedCall[], people: readonly string[]): string[] {
  const problems: string[] = [];
  const allowed = new Set(people);
  for (const call of calls) {
    // Uploads are bytes, and the fake's own answers are not bot output.
    if (call.method === 'upload' || call.method === 'users.info') continue;
    for (const s of stringsIn(call.body)) {
      if (!isWellFormedUtf16(s))
        problems.push(`${call.method}: ill-formed UTF-16 in ${JSON.stringify(s.slice(0, 80))}`);
      if (BROADCAST.test(s))
        problems.push(`${call.method}: broadcast mention in ${JSON.stringify(s.slice(0, 120))}`);
      for (const m of s.matchAll(USER_MENTION)) {
        if (!allowed.has(m[1] ?? '')) problems.push(`${call.method}: mention of ${JSON.stringify(m[1])}`);
      }
    }
    if (problems.length > 20) break;
  }
  return problems;
}

function leaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) leaves(v, out);
  return out;
}

function localeTexts(lang: 'en' | 'zh'): string[] {
  const dir = join(process.cwd(), 'locales', lang);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => leaves(JSON.parse(readFileSync(join(dir, f), 'utf8'))));
}

/**
 * English sentence fragments of locales/en (three words or more, placeholders and code cut out)
 * that appear nowhere in locales/zh: one of them in a reply to a Chinese reader is an untranslated
 * sentence.
 */
export function englishFragments(): string[] {
  const zh = localeTexts('zh').join('\n');
  const out = new Set<string>();
  for (const text of localeTexts('en')) {
    for (const part of text.split(/\{\{[^}]*\}\}|`[^`]*`|[*_~<>:()\n]/)) {
      const frag = part.trim();
      if (
        frag.length >= 16 &&
        /^[A-Za-z][A-Za-z' ,.-]+$/.test(frag) &&
        frag.split(' ').length >= 3 &&
        !zh.includes(frag)
      ) {
        out.add(frag);
      }
    }
  }
  return [...out];
}

/** Jobs ever added to BullMQ queues on this Redis (each queue's `:id` counter counts its adds). */
export async function jobsEverAdded(queueRedis: Redis): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await queueRedis.scan(cursor, 'MATCH', '*:id', 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      if ((await queueRedis.type(k)) === 'string') total += Number(await queueRedis.get(k)) || 0;
    }
  } while (cursor !== '0');
  return total;
}

/** Counts unhandled rejections and uncaught exceptions in this process while installed. */
export function watchProcessFaults(): {
  rejections: () => number;
  exceptions: () => number;
  stop: () => void;
} {
  let rejections = 0;
  let exceptions = 0;
  const onRejection = () => {
    rejections++;
  };
  const onException = () => {
    exceptions++;
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtExceptionMonitor', onException);
  return {
    rejections: () => rejections,
    exceptions: () => exceptions,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtExceptionMonitor', onException);
    },
  };
}

/** Waits until the fake has seen no new call for `quietMs`: the bot's answers to a batch are in. */
export async function settleFake(fake: FakeSlackApi, budgetMs: number, quietMs = 800): Promise<void> {
  const deadline = Date.now() + budgetMs;
  let seen = fake.calls.length;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    if (fake.calls.length !== seen) {
      seen = fake.calls.length;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) return;
  }
  throw new Error(`the bot was still posting after ${budgetMs} ms`);
}
