import type { types, webApi } from '@slack/bolt';
import { errorMessage } from '../errors.js';
import type { SlackServices } from './services.js';

/** Incident id of a message posted while the incident store was unreachable. */
export const UNTRACKED = 'untracked';

export interface ThreadPost {
  incidentId: string;
  threadTs: string;
  /** The posted message itself. */
  ts: string;
  opened: boolean;
}

/**
 * Posts a message where the cluster's incident lives: into the open thread of (cluster, channel),
 * or as the root of a new incident thread. Claiming first (SET NX) means two people asking at once
 * get one thread. Throws what chat.postMessage throws (the caller explains not_in_channel).
 */
export async function postInIncidentThread(
  s: Pick<SlackServices, 'incidents' | 'logger'>,
  client: webApi.WebClient,
  input: {
    cluster: string;
    channel: string;
    user: string;
    /** Built once the incident id is known (buttons carry it). */
    message: (incidentId: string) => { text: string; blocks: types.KnownBlock[] };
    /** Also show a thread reply in the channel (for what a person just asked for). */
    broadcast?: boolean;
  },
): Promise<ThreadPost> {
  const { cluster, channel } = input;
  let claim: Awaited<ReturnType<typeof s.incidents.claim>>;
  try {
    claim = await s.incidents.claim(cluster, channel);
  } catch (err) {
    // The queue Redis is down: the report matters more than the thread. Post it untracked.
    s.logger.warn({ err: errorMessage(err), cluster }, 'incident store unavailable');
    const posted = await client.chat.postMessage({ channel, ...input.message(UNTRACKED) });
    return { incidentId: UNTRACKED, threadTs: posted.ts ?? '', ts: posted.ts ?? '', opened: false };
  }
  if (claim.kind === 'open') {
    const posted = await client.chat.postMessage({
      channel,
      thread_ts: claim.incident.threadTs,
      reply_broadcast: input.broadcast ?? false,
      ...input.message(claim.incident.id),
    });
    return {
      incidentId: claim.incident.id,
      threadTs: claim.incident.threadTs,
      ts: posted.ts ?? '',
      opened: false,
    };
  }
  try {
    const posted = await client.chat.postMessage({ channel, ...input.message(claim.id) });
    const threadTs = posted.ts ?? '';
    await s.incidents.open({
      id: claim.id,
      cluster,
      channel,
      threadTs,
      openedBy: input.user,
      openedAt: new Date().toISOString(),
    });
    return { incidentId: claim.id, threadTs, ts: threadTs, opened: true };
  } catch (err) {
    await claim.release();
    throw err;
  }
}
