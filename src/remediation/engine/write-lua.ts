/**
 * The `lua` write path (any Redis with scripting; the only safe one before 7.0): one EVALSHA of
 * the page script per chunk of at most LUA_CHUNK keys, reloading the script once when the server's
 * cache was flushed. On a cluster, a chunk refused because a key left the node is written key by
 * key wherever each key is now (reshard-follow.ts).
 */

import { errorMessage } from '../../errors.js';
import { isNotLocalError } from '../reshard.js';
import type { NodeState, PageResult, Unit } from './node.js';
import {
  type PageScriptReply,
  packPage,
  parsePageScriptReply,
  scriptMode,
  TTL_PAGE_SCRIPT,
} from './page-script.js';
import type { WriteContext } from './page-write.js';
import { writeRouted } from './reshard-follow.js';

/** Keys per EVALSHA: bounds how long one script call blocks the server (~1–2 ms). */
const LUA_CHUNK = 1000;

export async function writeLua(
  ctx: WriteContext,
  node: NodeState,
  unit: Unit,
  keys: Buffer[],
  marks: number[],
): Promise<PageResult> {
  const mode = scriptMode(ctx.rule);
  const lo = unit.window ? String(unit.window.lo) : '0';
  const hi = unit.window ? String(unit.window.hi) : '0';
  const out: PageResult = { changed: 0, skipped: 0, vanished: 0, errors: 0, timeMs: 0 };
  for (let start = 0; start < keys.length; start += LUA_CHUNK) {
    const end = Math.min(keys.length, start + LUA_CHUNK);
    const blob = packPage(keys, marks, start, end);
    const args = [
      '0',
      mode,
      String(ctx.capMs),
      lo,
      hi,
      node.hasOptions ? '1' : '0',
      String(ctx.stamp.minMs),
      String(ctx.stamp.space),
      '0',
      blob,
    ];
    const reply = await evalPage(node, args).catch((err: unknown) => {
      if (!ctx.reshard || !isNotLocalError(err)) throw err;
      return writeRouted(ctx, ctx.reshard, node, unit, keys.slice(start, end), marks.slice(start, end), args);
    });
    ctx.reshard?.ledger.record(keys, reply.codes, start);
    if (reply.changed + reply.replayed + reply.skipped + reply.vanished !== end - start) {
      throw new Error('TTL page script: reply count mismatch');
    }
    out.timeMs = reply.timeMs;
    out.changed += reply.changed + reply.replayed;
    out.skipped += reply.skipped;
    out.vanished += reply.vanished;
  }
  return out;
}

async function evalPage(node: NodeState, args: (string | Buffer)[]): Promise<PageScriptReply> {
  let reply: unknown;
  try {
    reply = await node.redis.callBuffer('EVALSHA', node.sha, ...args);
  } catch (err) {
    if (!/NOSCRIPT/.test(errorMessage(err))) throw err;
    // The script cache was flushed (SCRIPT FLUSH, a restart behind a proxy): load it once more.
    node.sha = String(await node.redis.script('LOAD', TTL_PAGE_SCRIPT));
    reply = await node.redis.callBuffer('EVALSHA', node.sha, ...args);
  }
  return parsePageScriptReply(reply);
}
