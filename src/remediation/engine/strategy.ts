/**
 * Which write path a run takes. `auto` picks `lua` where scripting works (fewer commands for Node
 * to build and parse: measured faster, see bench/remediation.ts), else `options` on 7.0+, else
 * refuses; a resumed run keeps its checkpoint's strategy. `options` asked for on a server before
 * 7.0 is refused (it has no EXPIRE options).
 */

import { ErrorCode } from '../../errors.js';
import { classifyRedisError } from '../../redis/errors.js';
import { RemediationError } from '../errors.js';
import type { NodeState } from './node.js';
import type { EngineStrategy } from './options.js';
import { TTL_PAGE_SCRIPT } from './page-script.js';

export function pickStrategy(
  nodes: readonly NodeState[],
  wanted: 'auto' | EngineStrategy,
  previous: EngineStrategy | undefined,
): EngineStrategy {
  const allOptions = nodes.every((n) => n.hasOptions);
  if (wanted === 'options') {
    if (!allOptions) {
      const old = nodes.find((n) => !n.hasOptions);
      throw new RemediationError(ErrorCode.OptionsNeed7, {
        target: old?.address ?? '?',
        version: old?.version.join('.') ?? '?',
      });
    }
    return 'options';
  }
  if (wanted === 'lua') return 'lua';
  return previous ?? 'lua';
}

/**
 * Loads the page script on every node for the `lua` strategy. Scripting refused (ACL, proxy)
 * under `auto` on 7.0+ everywhere: `options` instead, which does the same with EXPIRE options.
 * Returns the strategy the run takes.
 */
export async function loadPageScripts(
  nodes: readonly NodeState[],
  wanted: 'auto' | EngineStrategy,
): Promise<EngineStrategy> {
  let strategy: EngineStrategy = 'lua';
  await Promise.all(
    nodes.map(async (node) => {
      try {
        node.sha = String(await node.redis.script('LOAD', TTL_PAGE_SCRIPT));
      } catch (err) {
        const classified = classifyRedisError(err, node.address);
        if (isConnectionCode(classified.code)) throw classified;
        // Scripting refused (ACL, proxy): the EXPIRE options do the same where they exist.
        if (wanted === 'auto' && nodes.every((n) => n.hasOptions)) {
          strategy = 'options';
          return;
        }
        throw new RemediationError(
          ErrorCode.NoSafeStrategy,
          { target: node.address, version: node.version.join('.') },
          `scripting refused on ${node.address}`,
          { cause: err },
        );
      }
    }),
  );
  return strategy;
}

function isConnectionCode(code: string): boolean {
  return code === 'redis_unreachable' || code === 'redis_timeout';
}
