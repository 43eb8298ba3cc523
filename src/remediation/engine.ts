/**
 * The TTL engine's public surface; its parts live in ./engine/, one responsibility per file, and
 * this comment describes the whole. The engine applies one rule to every matching key of every
 * primary (and of a standalone server, the DB its URL names, else every DB), a SCAN page at a time,
 * resumable from a checkpoint.
 *
 * Semantics:
 * - `set-missing`: only keys without a TTL get one, jittered uniformly over [ttl·(1−j), ttl]
 *   (`PEXPIREAT key time+ms NX`); a key that has a TTL keeps it exactly.
 * - `cap`: only keys whose TTL is above the cap get a jittered one in [cap·(1−j), cap]. The decision
 *   is made per key from its expiry read in the same page, and the write still says `XX LT` (`LT`
 *   for a key without TTL under `include-missing`), so a concurrent change can only ever lower a
 *   TTL. A blind `PEXPIREAT key jittered XX LT` would also lower a key at 85 d to 82 d under a 90 d cap
 *   with 10 % jitter: keys at or below the cap are never written.
 * - No TTL ever grows, no key is deleted (every expiry written is a server TIME read before the
 *   write, never ahead of the clock the write uses, plus a TTL ≥ 1 ms: at most the rule's), and no key
 *   outside the pattern is touched: SCAN MATCH, then `compileGlob` on every name before a write.
 *
 * Strategies. `options` (Redis ≥ 7.0): per page one pipeline of `PEXPIREAT … NX` (set-missing), or
 * a read pipeline (PEXPIRETIME) then a write pipeline (`PEXPIREAT … XX LT`) for `cap`. `lua` (any
 * version with scripting; the only safe way before 7.0, which has no EXPIRE options): one EVALSHA per
 * page (at most LUA_CHUNK keys, write-lua.ts) that reads PTTL and writes PEXPIREAT atomically per key. `auto`
 * picks `lua` where scripting works (fewer commands for Node to build and parse: measured faster,
 * see bench/remediation.ts), else `options` on 7.0+, else refuses.
 *
 * Resume. After each page `onPage` gets a checkpoint (cursor per primary/DB, counters, the jitter
 * salt, the server time of the page), and once before the first write of a fresh run. Pages are
 * written in order, at most WRITE_DEPTH (3 unthrottled, 1 throttled) beyond the last checkpoint
 * whose `onPage` resolved. Re-processing them is harmless (the rule's checks make every write
 * idempotent), and counted right: every expiry the run writes carries a stamp, a hash of (salt,
 * name) in its value (fingerprint.ts), so a key whose expiry carries its stamp and lies where a
 * write between the checkpoint's page and this attempt's start could have put it is recognised as
 * this run's own earlier write, and a TTL the application gave it meanwhile is not (it carries the
 * stamp by chance: 1 in the width of the jitter range in ms). Counters after a resume equal an
 * uninterrupted run's (tested by replaying a page that was written but never saved, with an
 * application giving TTLs in the rule's range meanwhile).
 * `ApplyResult.checkpoint` (the run returned: done, cancelled, paused) is `clean`: nothing to
 * recognise on resume, so a long pause can't mistake an application's own fresh TTL for ours.
 *
 * Only SCAN, PEXPIREAT, PEXPIRETIME, PTTL, TIME, INFO, DBSIZE, PING, SELECT (standalone), EVALSHA,
 * SCRIPT LOAD and (for a pattern with a range over bytes ≥ 0x80) COMMAND LIST are sent: what
 * ElastiCache allows (cluster runs also read slot ownership to follow a reshard, see reshard.ts).
 *
 * Before any write every node must be a primary (replica-check.ts), and before each page's writes
 * the memory guard must let it through (memory-guard.ts; on for every run, unthrottled included).
 * A write the server refuses fails the run with its reason: a run never ends as done with errors.
 */

export { applyRule } from './engine/apply.js';
export { emptyCounters } from './engine/counters.js';
export {
  type ApplyOptions,
  DEFAULT_ENGINE_THROTTLE,
  type EngineStrategy,
  type EngineThrottle,
  PAUSE_REASON,
} from './engine/options.js';
export {
  type PageScriptReply,
  packPage,
  parsePageScriptReply,
  TTL_PAGE_SCRIPT,
} from './engine/page-script.js';
export { countWithoutTtl } from './engine/verify.js';
