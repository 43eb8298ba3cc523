import type { types } from '@slack/bolt';
import type { Translate } from '../../i18n/types.js';
import { ActionId } from '../action-ids.js';

type KnownBlock = types.KnownBlock;

/**
 * One actions block per button: Slack wants an action_id unique within its block, and every
 * Request scale (or Request change) button shares one action_id, told apart by its value.
 */
function buttonBlocks(
  prefix: string,
  actionId: string,
  buttons: { text: string; value: Record<string, string> }[],
): KnownBlock[] {
  return buttons.map((b, i) => ({
    type: 'actions',
    block_id: `${prefix}_${i}`,
    elements: [
      {
        type: 'button',
        action_id: actionId,
        text: { type: 'plain_text', text: b.text, emoji: true },
        value: JSON.stringify(b.value),
      },
    ],
  }));
}

/** A Request scale button per allowed larger node type (the approval path executes nothing before approval). */
export function capacityButtons(t: Translate, cluster: string, nodeTypes: string[]): KnownBlock[] {
  return buttonBlocks(
    'capacity_scale',
    ActionId.CapacityRequestScale,
    nodeTypes.map((nodeType) => ({
      text: t('capacity:button.request_scale', { node: nodeType }),
      value: { cluster, node_type: nodeType },
    })),
  );
}

/** A Request change button per policy worth offering. */
export function policyButtons(t: Translate, cluster: string, policies: string[]): KnownBlock[] {
  return buttonBlocks(
    'policy_change',
    ActionId.PolicyRequestChange,
    policies.map((policy) => ({
      text: t('capacity:button.request_change', { policy }),
      value: { cluster, policy },
    })),
  );
}
