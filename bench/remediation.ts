/**
 * TTL remediation benchmark (issue 4, acceptance 4), every figure from one run on one server:
 *
 * On the incident-shaped dataset (`--keys`, default 1 M), fixing `MARKETING:COUPON:UNREAD:*`
 * (set-missing 60 d, 2.2 % of the keys):
 *  (i)   the runbook scripts' shape: scan_iter (SCAN MATCH with the default COUNT) then TTL and
 *        EXPIRE one key at a time, one round trip per call, time-boxed to 20 s: keys fixed/s;
 *  (ii)  a bare `SCAN COUNT 1000 MATCH` walk: keys walked/s;
 *  (iii) the engine unthrottled (the `auto` strategy, and each strategy): keys fixed/s and the
 *        keyspace walk rate; ratios vs (i) (target ≥ 20×) and (ii) (target ≥ 80 %).
 *  (v)   a GET loop's p99, idle vs during the engine with the DEFAULT throttle (child process),
 *        target: within 1 ms.
 *  (vi)  (i), (ii) and (iii) again on the same data, every client through a modelled network link
 *        (bench/latency-link.ts: +0.2 ms RTT by default, `--link-rtt-ms`, 0 skips it), with the
 *        same targets. Loopback's ~40 µs round trip is far below any deployment's (the runbook runs
 *        against ElastiCache over the network with TLS), and what a one-key-at-a-time loop costs is
 *        mostly round trips: both settings are printed.
 * Then on a 1 M-key database where the pattern matches every key (`key:%012d`, no TTL):
 *  (iv)  the engine fixing all of them vs `redis-benchmark -P 64 EXPIRE key:__rand_int__` ops/s
 *        (target ≥ 40 % of that ceiling).
 * TTLs are reset (PERSIST) between runs so each run fixes the same keys.
 *
 * The child mode of this file (`--child`) runs one throttled engine run and prints one JSON line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { loadDataset } from '../src/demo/dataset.js';
import { findRedisCliBinary, type LocalRedis, startLocalRedis } from '../src/demo/local-redis.js';
import { connectTarget } from '../src/redis/connect.js';
import { applyRule, DEFAULT_ENGINE_THROTTLE, type EngineStrategy } from '../src/remediation/engine.js';
import type { ApplyResult, TtlRule } from '../src/remediation/types.js';
import { type CalibratedLink, measureAddedRtt, startCalibratedLink } from './latency-link.js';
import { percentile, printTable } from './stats.js';
import { fmt, latencyDuring, ms, runJsonChild } from './support.js';

const SELF = fileURLToPath(import.meta.url);
const LATENCY_KEY = 'bench:latency:probe';
const PATTERN = 'MARKETING:COUPON:UNREAD:*';
const RUNBOOK_BOX_MS = 20_000;
/** Through the link the runbook runs REPEATS times, interleaved with the engine's runs, 7 s each. */
const LINK_RUNBOOK_BOX_MS = 7_000;
const ALL_KEYS = 1_000_000;
const REPEATS = 3;

const COUPON: TtlRule = {
  name: 'coupon-unread',
  match: PATTERN,
  action: 'set-missing',
  ttlSec: 60 * 86_400,
  jitter: 0.1,
  includeMissing: false,
  allowBroad: false,
  risk: 'low',
};
const EVERY_KEY: TtlRule = { ...COUPON, name: 'every-key', match: 'key:*' };

interface ChildResult {
  changed: number;
  scanned: number;
  durationMs: number;
  pauses: number;
  complete: boolean;
}

export async function benchRemediation(opts: { keys: number; linkRttMs: number }): Promise<void> {
  const server = await startLocalRedis();
  const admin = new Redis(server.port, '127.0.0.1');
  try {
    const loadStarted = performance.now();
    const truth = await loadDataset(admin, { keys: opts.keys });
    const loadSec = (performance.now() - loadStarted) / 1000;
    const dbsize = await admin.dbsize();
    const target = truth.patterns[PATTERN]?.keysWithoutTtl ?? 0;

    // Each peer's calls are counted (INFO commandstats) for the link section's per-round-trip figures.
    await admin.config('RESETSTAT');
    const runbookNode = await runbookShape(server.port, RUNBOOK_BOX_MS);
    const runbookNodeCalls = peerCalls(await callCounts(admin));
    await persistAll(admin, PATTERN);
    // The real peer is the runbook's own Python (redis-py); the Node loop of the same shape is the
    // fallback when python3-redis is not installed (apt-get install -y python3-redis).
    await admin.config('RESETSTAT');
    const runbookPy = runbookPython(server.port, RUNBOOK_BOX_MS);
    const runbookPyCalls = peerCalls(await callCounts(admin));
    await persistAll(admin, PATTERN);
    const runbook = runbookPy ?? runbookNode;
    // The short runs are repeated, interleaved, and their medians compared: these VMs are noisy.
    const bares: number[] = [];
    const runs: Record<Strategy, Run[]> = { auto: [], options: [], lua: [] };
    for (let rep = 0; rep < REPEATS; rep++) {
      bares.push((await bareWalk(server.port)).seconds);
      for (const strategy of STRATEGIES) {
        await persistAll(admin, PATTERN);
        await admin.config('RESETSTAT');
        const result = await engine(server.url, COUPON, strategy);
        runs[strategy].push({ result, usecPerCall: await slowestCall(admin) });
      }
    }
    const bareSeconds = median(bares);
    const bareRate = dbsize / bareSeconds;
    const fixRate = (r: ApplyResult) => (r.counters.changed / r.durationMs) * 1000;
    const walkRate = (r: ApplyResult) => (dbsize / r.durationMs) * 1000;
    const auto = medianRun(runs.auto).result;
    const vsRunbook = fixRate(auto) / runbook.fixedPerSec;
    const vsBare = walkRate(auto) / bareRate;
    // Nothing that walks the keyspace fixes faster than the bare walk × the pattern's share.
    const bound = (bareRate * target) / dbsize;

    // (vi) the same runs again, every client through the modelled link.
    const linked =
      opts.linkRttMs > 0
        ? await throughLink(server, admin, opts.linkRttMs, {
            python: runbookPy !== undefined,
            runbook,
            runbookCalls: runbookPy ? runbookPyCalls : runbookNodeCalls,
            bareSeconds,
            runs,
          })
        : undefined;

    await persistAll(admin, PATTERN);
    await admin.set(LATENCY_KEY, 'x'.repeat(64), 'EX', 86_400);
    const latency = await latencyCheck(server);

    // (iv) a database where the pattern matches every key.
    await admin.flushall();
    await writeNumberedKeys(admin, ALL_KEYS);
    const every: Record<Strategy, Run[]> = { auto: [], options: [], lua: [] };
    for (let rep = 0; rep < REPEATS; rep++) {
      // The options pipeline is client-bound (~10 s here): once is enough to show it.
      for (const strategy of rep === 0 ? STRATEGIES : (['auto', 'lua'] as const)) {
        await persistAll(admin, 'key:*');
        every[strategy].push({ result: await engine(server.url, EVERY_KEY, strategy), usecPerCall: 0 });
      }
    }
    const ceiling = await redisBenchmarkExpire(server.port, ALL_KEYS);
    const everyAuto = medianRun(every.auto).result;
    const vsCeiling = fixRate(everyAuto) / ceiling;

    const share = ((target / dbsize) * 100).toFixed(1);
    printTable(
      `TTL remediation: ${PATTERN} (set-missing 60 d) on ${fmt(dbsize)} keys of the demo's shape (one run, one server)`,
      [
        [
          'dataset',
          `${fmt(dbsize)} keys, ${fmt(target)} to fix (${share} %), loaded in ${loadSec.toFixed(1)} s`,
        ],
        [
          `(i) runbook fix_ttl_*.py: ${runbookPy ? 'Python redis-py (the real peer)' : 'Node loop of the same shape (python3-redis missing)'}`,
          `${fmt(runbook.fixed)} keys fixed in ${runbook.seconds.toFixed(1)} s = ${fmt(runbook.fixedPerSec)} keys/s${runbook.complete ? '' : ` (stopped at ${RUNBOOK_BOX_MS / 1000} s)`}`,
        ],
        [
          '(ii) bare SCAN COUNT 1000 MATCH walk',
          `${fmt(dbsize)} keys in ${bareSeconds.toFixed(2)} s = ${fmt(bareRate)} keys/s walked (median of ${REPEATS})`,
        ],
        ...STRATEGIES.map((s): [string, string] => {
          const run = medianRun(runs[s]);
          const r = run.result;
          return [
            `(iii) engine unthrottled, ${s}${s === 'auto' ? ` (= ${r.strategy})` : ''}`,
            `${fmt(r.counters.changed)} keys fixed in ${(r.durationMs / 1000).toFixed(2)} s = ${fmt(fixRate(r))} keys/s fixed, ${fmt(walkRate(r))} keys/s walked (median of ${REPEATS}); longest call type ${(run.usecPerCall / 1000).toFixed(2)} ms on average${r.counters.changed === target ? '' : ' (COUNT MISMATCH)'}`,
          ];
        }),
        [
          'upper bound of any SCAN-based fix',
          `bare walk × ${share} % = ${fmt(bound)} keys/s = ${(bound / runbook.fixedPerSec).toFixed(1)}× (i)`,
        ],
        [
          'ratio engine / runbook shape',
          `${vsRunbook.toFixed(1)}×   (target ≥ 20×: ${vsRunbook >= 20 ? 'met' : 'MISSED'})`,
        ],
        [
          'ratio engine walk / bare walk',
          `${(vsBare * 100).toFixed(0)} %   (target ≥ 80 %: ${vsBare >= 0.8 ? 'met' : 'MISSED'})`,
        ],
      ],
    );
    if (linked) printLinked(linked, dbsize, target);
    const delta = latency.busyP99 - latency.idleP99;
    printTable(
      `GET latency, idle vs the engine with the default throttle (${DEFAULT_ENGINE_THROTTLE.keysPerSec} keys/s, pages of ${DEFAULT_ENGINE_THROTTLE.pageSize}, guard +${DEFAULT_ENGINE_THROTTLE.latencyGuardMs} ms, memory ${DEFAULT_ENGINE_THROTTLE.memoryGuardPct} %)`,
      [
        ['GETs idle / during the run', `${latency.idle.length} / ${latency.busy.length}`],
        ['idle p50 / p99', `${ms(percentile(latency.idle, 50))} / ${ms(latency.idleP99)}`],
        ['throttled p50 / p99', `${ms(percentile(latency.busy, 50))} / ${ms(latency.busyP99)}`],
        ['p99 delta', `${delta.toFixed(3)} ms   (target ≤ 1 ms: ${delta <= 1 ? 'met' : 'MISSED'})`],
        [
          'throttled run meanwhile',
          `${fmt(latency.load.changed)} keys fixed, ${fmt(latency.load.scanned)} matched in ${(latency.load.durationMs / 1000).toFixed(1)} s, ${latency.load.pauses} guard pauses`,
        ],
      ],
    );
    printTable(
      `TTL remediation: a pattern matching every key of a ${fmt(ALL_KEYS)}-key database (key:%012d, no TTL)`,
      [
        ['redis-benchmark -P 64 EXPIRE key:__rand_int__', `${fmt(ceiling)} ops/s (the ceiling)`],
        ...STRATEGIES.map((s): [string, string] => {
          const r = medianRun(every[s]).result;
          const n = every[s].length;
          return [
            `engine unthrottled, ${s}${s === 'auto' ? ` (= ${r.strategy})` : ''}`,
            `${fmt(r.counters.changed)} keys fixed in ${(r.durationMs / 1000).toFixed(2)} s = ${fmt(fixRate(r))} keys/s (${((fixRate(r) / ceiling) * 100).toFixed(0)} % of the ceiling${n > 1 ? `, median of ${n}` : ''})`,
          ];
        }),
        [
          'ratio engine / ceiling',
          `${(vsCeiling * 100).toFixed(0)} %   (target ≥ 40 %: ${vsCeiling >= 0.4 ? 'met' : 'MISSED'})`,
        ],
      ],
    );
  } finally {
    admin.disconnect();
    await server.stop();
  }
}

type Strategy = 'auto' | EngineStrategy;
const STRATEGIES = ['auto', 'options', 'lua'] as const;

interface Run {
  result: ApplyResult;
  /** The highest usec_per_call among the engine's commands (INFO commandstats). */
  usecPerCall: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The run with the median duration (its figures stay consistent with each other). */
function medianRun<T extends { result: ApplyResult }>(runs: T[]): T {
  const sorted = [...runs].sort((a, b) => a.result.durationMs - b.result.durationMs);
  return sorted[Math.floor(sorted.length / 2)] as T;
}

// ---------------------------------------------------------------------------------------------
// The peers

/** fix_ttl_*.py's shape: `for key in r.scan_iter(match=…)`: `r.ttl(key)`, then `r.expire(key, ttl)`. */
async function runbookShape(
  port: number,
  maxMs: number,
): Promise<{ fixed: number; walked: number; seconds: number; fixedPerSec: number; complete: boolean }> {
  const redis = new Redis(port, '127.0.0.1');
  const started = performance.now();
  let fixed = 0;
  let walked = 0;
  let cursor = '0';
  try {
    do {
      // redis-py's scan_iter sends no COUNT unless given: the server's default of 10.
      const [next, names] = await redis.scanBuffer(cursor, 'MATCH', PATTERN);
      cursor = next.toString();
      walked += 10;
      for (const name of names) {
        if ((await redis.ttl(name)) === -1) {
          await redis.expire(name, COUPON.ttlSec);
          fixed++;
        }
      }
    } while (cursor !== '0' && performance.now() - started < maxMs);
  } finally {
    redis.disconnect();
  }
  const seconds = (performance.now() - started) / 1000;
  return { fixed, walked, seconds, fixedPerSec: fixed / seconds, complete: cursor === '0' };
}

/** bench/peers/fix_ttl_runbook.py with the system python3 and redis-py; undefined when unavailable. */
function runbookPython(
  port: number,
  maxMs: number,
): { fixed: number; seconds: number; fixedPerSec: number; complete: boolean } | undefined {
  const script = fileURLToPath(new URL('./peers/fix_ttl_runbook.py', import.meta.url));
  const args = [script, String(port), PATTERN, String(COUPON.ttlSec), String(maxMs / 1000)];
  // Debian's python3-redis lives under /usr/bin/python3; a pyenv python3 on PATH may lack it.
  for (const python of ['/usr/bin/python3', 'python3']) {
    const out = spawnSync(python, args, { encoding: 'utf8' });
    if (out.status !== 0) continue;
    const r = JSON.parse(out.stdout) as { fixed: number; seconds: number; complete: boolean };
    return { ...r, fixedPerSec: r.fixed / r.seconds };
  }
  return undefined;
}

async function bareWalk(
  port: number,
): Promise<{ keys: number; pages: number; seconds: number; keysPerSec: number }> {
  const redis = new Redis(port, '127.0.0.1');
  const dbsize = await redis.dbsize();
  const started = performance.now();
  let cursor = '0';
  let matched = 0;
  let pages = 0;
  try {
    do {
      const [next, names] = await redis.scanBuffer(cursor, 'MATCH', PATTERN, 'COUNT', 1000);
      cursor = next.toString();
      matched += names.length;
      pages++;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  const seconds = (performance.now() - started) / 1000;
  return { keys: matched, pages, seconds, keysPerSec: dbsize / seconds };
}

async function redisBenchmarkExpire(port: number, keys: number): Promise<number> {
  const cli = findRedisCliBinary();
  const bin = cli ? cli.replace(/redis-cli$/, 'redis-benchmark') : 'redis-benchmark';
  const args = [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-P',
    '64',
    '-n',
    String(2 * keys),
    '-r',
    String(keys),
    '-q',
  ];
  const text = await new Promise<string>((resolveOut, reject) => {
    const child = spawn(bin, [...args, 'EXPIRE', 'key:__rand_int__', '3600'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolveOut(out) : reject(new Error(`redis-benchmark exited ${code}: ${out}`)),
    );
  });
  // -q prints progress lines ending in \r, then the result: the last "requests per second" wins.
  const match = [...text.matchAll(/([\d.]+) requests per second/g)].pop();
  if (!match) throw new Error(`redis-benchmark: no "requests per second" in:\n${text.slice(-2000)}`);
  return Number(match[1]);
}

// ---------------------------------------------------------------------------------------------
// (vi) Through the modelled network link

/** A runbook peer's run (its calls, one round trip each, are counted beside it). */
interface PeerRun {
  fixed: number;
  seconds: number;
  fixedPerSec: number;
  complete: boolean;
}

/** The direct-loopback figures the link section is compared with. */
interface Direct {
  python: boolean;
  runbook: PeerRun;
  runbookCalls: number;
  bareSeconds: number;
  runs: Record<Strategy, Run[]>;
}

interface Linked {
  rttMs: number;
  link: CalibratedLink;
  /** The link measured again after the runs (PING through it vs direct). */
  after: Awaited<ReturnType<typeof measureAddedRtt>>;
  direct: Direct;
  /** The median-rate one of the runbook's REPEATS runs, with its calls. */
  runbook: PeerRun;
  runbookCalls: number;
  runbookRuns: number;
  bare: { seconds: number; pages: number }[];
  /** Each engine run with its SCAN calls (pages). */
  runs: Record<Strategy, { result: ApplyResult; pages: number }[]>;
}

/** (i), (ii) and (iii) once more on the same data, every client connected through the link. */
async function throughLink(server: LocalRedis, admin: Redis, rttMs: number, direct: Direct): Promise<Linked> {
  const link = await startCalibratedLink(server.port, rttMs);
  const port = link.link.port;
  try {
    const peers: { run: PeerRun; calls: number }[] = [];
    const bare: Linked['bare'] = [];
    const runs: Linked['runs'] = { auto: [], options: [], lua: [] };
    // Every run interleaved with the others (the load of this shared VM drifts): medians compared.
    for (let rep = 0; rep < REPEATS; rep++) {
      // The direct engine runs (and the previous rep's) left the pattern fixed.
      await persistAll(admin, PATTERN);
      await admin.config('RESETSTAT');
      // The same peer as the direct section, so its per-call times compare.
      const run = direct.python
        ? runbookPython(port, LINK_RUNBOOK_BOX_MS)
        : await runbookShape(port, LINK_RUNBOOK_BOX_MS);
      if (!run) throw new Error('the Python runbook peer failed through the link');
      peers.push({ run, calls: peerCalls(await callCounts(admin)) });
      bare.push(await bareWalk(port));
      for (const strategy of STRATEGIES) {
        await persistAll(admin, PATTERN);
        await admin.config('RESETSTAT');
        const result = await engine(`redis://127.0.0.1:${port}`, COUPON, strategy);
        runs[strategy].push({ result, pages: (await callCounts(admin)).scan ?? 0 });
      }
    }
    const after = await measureAddedRtt(server.port, port);
    const mid = [...peers].sort((a, b) => a.run.fixedPerSec - b.run.fixedPerSec)[
      Math.floor(peers.length / 2)
    ];
    if (!mid) throw new Error('no runbook run through the link');
    return {
      rttMs,
      link,
      after,
      direct,
      runbook: mid.run,
      runbookCalls: mid.calls,
      runbookRuns: peers.length,
      bare,
      runs,
    };
  } finally {
    await link.link.stop();
  }
}

function printLinked(l: Linked, dbsize: number, target: number): void {
  const { rtt, tried } = l.link;
  const d = l.direct;
  const R = l.rttMs;
  const fixRate = (r: ApplyResult) => (r.counters.changed / r.durationMs) * 1000;
  const walkRate = (r: ApplyResult) => (dbsize / r.durationMs) * 1000;
  const bareSeconds = median(l.bare.map((b) => b.seconds));
  const pages = Math.max(1, l.bare[0]?.pages ?? 0);
  const bareRate = dbsize / bareSeconds;
  const auto = medianRun(l.runs.auto).result;
  const vsRunbook = fixRate(auto) / l.runbook.fixedPerSec;
  const vsBare = walkRate(auto) / bareRate;
  const bound = (bareRate * target) / dbsize;
  const share = ((target / dbsize) * 100).toFixed(1);
  // What each side really paid per round trip (peer) or per SCAN page (walks), vs the direct run.
  const callMs = (p: PeerRun, calls: number) => (p.seconds * 1000) / Math.max(1, calls);
  const peerCallMs = callMs(l.runbook, l.runbookCalls);
  const directCallMs = callMs(d.runbook, d.runbookCalls);
  const signed = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(3)} ms`;
  const plus = (linkMs: number, directMs: number) =>
    `${(linkMs / pages).toFixed(3)} ms per page vs ${(directMs / pages).toFixed(3)} ms direct: ${signed((linkMs - directMs) / pages)}`;
  // Arithmetic cross-check: the direct run's figures plus exactly R per peer call / per SCAN page
  // (the SCAN chain is the walks' critical path: each SCAN waits for the previous cursor).
  const tripsPerKey = d.runbookCalls / Math.max(1, d.runbook.fixed);
  const modelPeer = 1000 / (1000 / d.runbook.fixedPerSec + tripsPerKey * R);
  const directAuto = medianRun(d.runs.auto).result;
  const modelEngine = (directAuto.counters.changed / (directAuto.durationMs + pages * R)) * 1000;
  const modelWalk = (d.bareSeconds * 1000 + pages * R) / (directAuto.durationMs + pages * R);
  // The round trip from which the same arithmetic reaches 20×: C·(tk + n·R) = 20·(De + P·R).
  const C = directAuto.counters.changed;
  const tk = 1000 / d.runbook.fixedPerSec;
  const gain = C * tripsPerKey - 20 * pages;
  const breakEven = (20 * directAuto.durationMs - C * tk) / gain;
  const from = gain <= 0 ? 'no' : breakEven <= 0 ? 'any' : `+${breakEven.toFixed(2)} ms`;
  printTable(
    `TTL remediation through a modelled network link (+${R} ms RTT): the same ${fmt(dbsize)} keys, same run, same targets`,
    [
      [
        'link (bench/latency-link.ts)',
        `TCP proxy on 127.0.0.1 holding each chunk ${(tried.at(-1) ?? 0).toFixed(3)} ms each way, in order, calibrated so PING gains +${R} ms (a modelling assumption: a conservative same-AZ EC2 ↔ ElastiCache round trip, not a measurement)`,
      ],
      [
        'PING round trip direct / through the link',
        `${ms(rtt.directMs)} / ${ms(rtt.linkMs)} (p50s): +${ms(rtt.addedMs)} measured (link p99 ${ms(rtt.linkP99Ms)}); after the runs +${ms(l.after.addedMs)}`,
      ],
      [
        `(i) runbook fix_ttl_*.py: ${d.python ? 'Python redis-py' : 'Node loop of the same shape'}`,
        `${fmt(l.runbook.fixed)} keys fixed in ${l.runbook.seconds.toFixed(1)} s = ${fmt(l.runbook.fixedPerSec)} keys/s${l.runbook.complete ? '' : ` (stopped at ${LINK_RUNBOOK_BOX_MS / 1000} s)`} (median of ${l.runbookRuns}); ${(l.runbookCalls / Math.max(1, l.runbook.fixed)).toFixed(1)} calls (SCAN COUNT 10, TTL, EXPIRE) per key fixed`,
      ],
      [
        '(i) its mean time per call (one round trip)',
        `${ms(peerCallMs)} vs ${ms(directCallMs)} direct: ${signed(peerCallMs - directCallMs)} per round trip, as the peer paid it`,
      ],
      [
        '(ii) bare SCAN COUNT 1000 MATCH walk',
        `${fmt(dbsize)} keys in ${bareSeconds.toFixed(2)} s = ${fmt(bareRate)} keys/s walked (median of ${REPEATS}); ${plus(bareSeconds * 1000, d.bareSeconds * 1000)}`,
      ],
      ...STRATEGIES.map((s): [string, string] => {
        const run = medianRun(l.runs[s]);
        const r = run.result;
        return [
          `(iii) engine unthrottled, ${s}${s === 'auto' ? ` (= ${r.strategy})` : ''}`,
          `${fmt(r.counters.changed)} keys fixed in ${(r.durationMs / 1000).toFixed(2)} s = ${fmt(fixRate(r))} keys/s fixed, ${fmt(walkRate(r))} keys/s walked (median of ${REPEATS}); ${plus(r.durationMs, medianRun(d.runs[s]).result.durationMs)}${run.pages === pages ? '' : ` (${fmt(run.pages)} SCAN pages)`}${r.counters.changed === target ? '' : ' (COUNT MISMATCH)'}`,
        ];
      }),
      [
        'upper bound of any SCAN-based fix',
        `bare walk × ${share} % = ${fmt(bound)} keys/s = ${(bound / l.runbook.fixedPerSec).toFixed(1)}× (i)`,
      ],
      [
        'ratio engine / runbook shape',
        `${vsRunbook.toFixed(1)}×   (target ≥ 20×: ${vsRunbook >= 20 ? 'met' : 'MISSED'})`,
      ],
      [
        'ratio engine walk / bare walk',
        `${(vsBare * 100).toFixed(1)} %   (target ≥ 80 %: ${vsBare >= 0.8 ? 'met' : 'MISSED'})`,
      ],
      [
        `cross-check: direct figures + exactly ${R} ms`,
        `per peer call and per SCAN page (arithmetic, not a measurement): runbook ${fmt(modelPeer)} keys/s, engine ${fmt(modelEngine)} keys/s = ${(modelEngine / modelPeer).toFixed(1)}×, walk ${(modelWalk * 100).toFixed(0)} %; 20× from ${from} RTT up`,
      ],
    ],
  );
}

/** The runbook peer's round trips: SCAN, TTL and EXPIRE calls. */
function peerCalls(calls: Record<string, number>): number {
  return (calls.scan ?? 0) + (calls.ttl ?? 0) + (calls.expire ?? 0);
}

/** Calls per command since the last RESETSTAT (INFO commandstats), e.g. `{ scan: 1000 }`. */
async function callCounts(admin: Redis): Promise<Record<string, number>> {
  const stats = await admin.info('commandstats');
  const out: Record<string, number> = {};
  for (const m of stats.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)) out[m[1] as string] = Number(m[2]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Setup

/** PERSIST every key of `pattern`, one page per script call. */
async function persistAll(redis: Redis, pattern: string): Promise<void> {
  const script =
    "local r = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', 1000) for _, k in ipairs(r[2]) do redis.call('PERSIST', k) end return r[1]";
  let cursor = '0';
  do {
    cursor = String(await redis.eval(script, 0, cursor, pattern));
  } while (cursor !== '0');
}

/** `key:%012d` for 0 ≤ i < n (what redis-benchmark's `key:__rand_int__ -r n` addresses), no TTL. */
async function writeNumberedKeys(redis: Redis, n: number): Promise<void> {
  const script =
    "for i = tonumber(ARGV[1]), tonumber(ARGV[2]) - 1 do redis.call('SET', string.format('key:%012d', i), 'v') end return 1";
  const step = 100_000;
  for (let from = 0; from < n; from += step) await redis.eval(script, 0, from, Math.min(n, from + step));
}

async function engine(url: string, rule: TtlRule, strategy: 'auto' | EngineStrategy): Promise<ApplyResult> {
  const conn = await connectTarget({ name: 'bench', url, mode: 'standalone' });
  try {
    return await applyRule(conn, rule, { throttle: false, strategy });
  } finally {
    await conn.close();
  }
}

/** The highest usec_per_call among the commands the engine sent (INFO commandstats since RESETSTAT). */
async function slowestCall(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  let worst = 0;
  for (const m of stats.matchAll(
    /^cmdstat_(scan|evalsha|pexpire|pexpiretime):calls=\d+,usec=\d+,usec_per_call=([\d.]+)/gm,
  )) {
    worst = Math.max(worst, Number(m[2]));
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------
// Latency under the default throttle (the engine in a child process)

async function latencyCheck(server: LocalRedis) {
  const probe = new Redis(server.port, '127.0.0.1');
  try {
    return await latencyDuring(probe, LATENCY_KEY, (started) =>
      runJsonChild<ChildResult>(SELF, ['--child', server.url, '14'], { onStarted: started }),
    );
  } finally {
    probe.disconnect();
  }
}

async function childMain(url: string, maxSeconds: number): Promise<void> {
  const conn = await connectTarget({ name: 'bench', url, mode: 'standalone' });
  try {
    process.stdout.write('walking\n');
    const result = await applyRule(conn, COUPON, { signal: AbortSignal.timeout(maxSeconds * 1000) });
    const out: ChildResult = {
      changed: result.counters.changed,
      scanned: result.counters.scanned,
      durationMs: result.durationMs,
      pauses: result.pauses,
      complete: result.complete,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await conn.close();
  }
}

if (process.argv[2] === '--child' && resolve(process.argv[1] ?? '') === SELF) {
  childMain(process.argv[3] ?? '', Number(process.argv[4] ?? 14)).then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
