import type { CliContext } from '../context.js';

export interface NotifyCommandOptions {
  incident?: string;
  cluster?: string;
  config?: string;
  lang?: 'en' | 'zh' | 'both';
  format?: 'mrkdwn' | 'markdown';
  owner?: string;
  deadline?: string;
  summary?: string;
}

/** `redis-medic notify`: the bilingual incident message (work in progress). */
export async function notifyCommand(_opts: NotifyCommandOptions, _ctx: CliContext): Promise<number> {
  return 0;
}
