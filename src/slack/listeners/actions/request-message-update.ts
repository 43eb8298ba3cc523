// Re-renders an approval request's own message in place, shared by the TTL fix and cluster change Approve / Reject handlers.
import type { RespondFn, types, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Lang, Translate } from '../../../i18n/types.js';
import type { ApprovalRequest } from '../../../incidents/approval-store.js';
import { slackErrorCode } from '../../status-flow.js';

type WebClient = webApi.WebClient;

/** Who clicked Approve / Reject, and how to answer them. */
export interface Clicker {
  client: WebClient;
  respond: RespondFn;
  t: Translate;
  lang: Lang;
  user: string;
  verb: 'approve' | 'reject';
}

/**
 * Swaps the request message for `render()` (closed: no buttons left to press, or open again). A
 * request never posted has no message to update; a failed update is logged, never fatal: the
 * decision is already on record.
 */
export async function updateRequestMessage(
  logger: Logger,
  client: WebClient,
  request: ApprovalRequest,
  render: () => { text: string; blocks: types.KnownBlock[] },
  failure: string,
): Promise<void> {
  if (!request.channel || !request.messageTs) return;
  try {
    await client.chat.update({ channel: request.channel, ts: request.messageTs, ...render() });
  } catch (err) {
    logger.warn({ code: slackErrorCode(err), request: request.id }, failure);
  }
}
