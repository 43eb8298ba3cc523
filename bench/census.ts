/**
 * Key census benchmark (issue 3, acceptance 3 and 4), every figure from one run on one server:
 *
 * 1. `redis-cli --memkeys` over the dataset (its own "Sampled N keys", timed): the peer.
 * 2. A bare pipelined SCAN 1000 + PTTL + MEMORY USAGE loop in ioredis (bounded to 15 s): the naive
 *    client-side way, for reference.
 * 3. The full census (`runCensus`: patterns, TTL buckets, memory, types) unthrottled, in a child
 *    process so its peak RSS is its own; its totals are checked against the generator's ground truth.
 * 4. Latency: a GET loop on its own connection, idle (before and after) vs while the census runs
 *    (child process) with the DEFAULT throttle: p50 / p99, and the p99 delta (target ≤ 1 ms).
 * 5. How long one census page blocks the server, per page size (INFO commandstats).
 * 6. Grouping: the census's patterns scored against the generator's family per key (families of
 *    ≥ 20 keys recovered exactly, Loghub's grouping accuracy, keys in single-key patterns, the
 *    largest catch-all), and the pattern table's own time (inference and counting, in process on
 *    the same keys) as a share of the census's.
 * 7. The same census by the BUILT CLI (`keys --json --unthrottled`, dist/) under `time -v`: the
 *    peak RSS a user's process reaches, without the tsx loader (`census-cli.ts`).
 * 8. (from run.ts, `--cluster-keys`) keys/s on a 3-primary cluster vs one server (`census-cluster.ts`).
 *
 * `--shape mixed` runs it on the mixed keyspace (public libraries' key families) instead of the
 * runbook's.
 *
 * The child mode of this file (`--child`) runs one census and prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { PatternTable } from '../src/census/pattern-table.js';
import { runCensus } from '../src/census/run-census.js';
import { DEFAULT_THROTTLE, PAGE_SCRIPT } from '../src/census/walker.js';
import {
  type DatasetGroundTruth,
  type DatasetKeyType,
  type DatasetOptions,
  generateDataset,
  loadDataset,
  type ScoredPattern,
  scoreGrouping,
} from '../src/demo/dataset.js';
import { findRedisCliBinary, type LocalRedis, startLocalRedis } from '../src/demo/local-redis.js';
import { connectTarget } from '../src/redis/connect.js';
import { builtCliMissing, type CliCensus, runBuiltCliCensus } from './census-cli.js';
import { percentile, printTable } from './stats.js';
import { fmt, latencyDuring, ms, runJsonChild } from './support.js';

const SELF = fileURLToPath(import.meta.url);
const LATENCY_KEY = 'bench:latency:probe';

interface ChildResult {
  scanned: number;
  dbsize: number;
  totalKeys: number;
  totalKeysWithoutTtl: number;
  totalBytes: number;
  patterns: number;
  durationMs: number;
  keysPerSec: number;
  throttlePauses: number;
  complete: boolean;
  /** RSS after imports and connecting, before the census (KB). */
  rssBeforeKb: number;
  /** Peak RSS of the whole child process (KB). */
  maxRssKb: number;
  cpuMs: number;
  patternList: ScoredPattern[];
}

export async function benchCensus(opts: { keys: number; shape?: 'runbook' | 'mixed' }): Promise<void> {
  const data: DatasetOptions = { keys: opts.keys, ...(opts.shape ? { shape: opts.shape } : {}) };
  const cli = findRedisCliBinary();
  if (!cli) throw new Error('redis-cli not found: apt-get install -y redis-tools');
  const server = await startLocalRedis();
  const admin = new Redis(server.port, '127.0.0.1');
  try {
    const loadStarted = performance.now();
    const truth = await loadDataset(admin, data);
    const loadSec = (performance.now() - loadStarted) / 1000;
    const dbsize = await admin.dbsize();

    const memkeys = await runMemkeys(cli, server.port);
    const bare = await bareLoop(server.port, 15_000);
    const full = await runChild(server, { throttled: false });
    process.stdout.write(
      `tsx census child: ${full.scanned} keys at ${fmt(full.keysPerSec)} keys/s, peak RSS ${(full.maxRssKb / 1024).toFixed(0)} MB\n`,
    );
    // Right after the census, so both see the same machine load.
    const table = patternTableSeconds(data);
    const tableSec = table.seconds;
    const builtMissing = builtCliMissing();
    const built = builtMissing ? undefined : await runBuiltCliCensus(server.url);
    const builtLoad = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    // Printed at once too: the steps after it are long on big keyspaces.
    process.stdout.write(
      `built CLI census: ${builtLine(built, builtMissing)}; ${builtRss(built)}; load ${builtLoad}\n`,
    );
    const blocks = await pageBlockTimes(admin, [50, 100, 300, 1000]);
    await admin.set(LATENCY_KEY, 'x'.repeat(64), 'EX', 86_400);
    const latency = await latencyCheck(server);

    const grouping = scoreGrouping(
      (function* () {
        for (const rec of generateDataset(data)) yield { key: rec.key, family: rec.pattern };
      })(),
      full.patternList,
    );
    const exact =
      full.totalKeys === dbsize &&
      dbsize === truth.totalKeys &&
      full.totalKeysWithoutTtl === truth.keysWithoutTtl &&
      full.complete;
    const ratio = full.keysPerSec / memkeys.keysPerSec;
    const tableShare = tableSec / (full.durationMs / 1000);
    const rssMb = full.maxRssKb / 1024;
    printTable(
      `key census: ${opts.keys.toLocaleString('en')} keys of the ${opts.shape === 'mixed' ? 'mixed' : "demo's"} shape (one run, one server)`,
      [
        [
          'dataset',
          `${dbsize} keys (${withoutTtlPct(truth)} % without TTL), loaded in ${loadSec.toFixed(1)} s`,
        ],
        [
          'redis-cli --memkeys',
          `${memkeys.sampled} keys in ${memkeys.seconds.toFixed(1)} s = ${fmt(memkeys.keysPerSec)} keys/s`,
        ],
        [
          'bare ioredis SCAN 1000 + PTTL + MEMORY USAGE',
          `${bare.keys} keys in ${bare.seconds.toFixed(1)} s = ${fmt(bare.keysPerSec)} keys/s${bare.complete ? '' : ' (stopped at 15 s)'}`,
        ],
        [
          'full census, unthrottled (child process)',
          `${full.scanned} keys, ${full.patterns} patterns in ${(full.durationMs / 1000).toFixed(1)} s = ${fmt(full.keysPerSec)} keys/s`,
        ],
        [
          'census totals vs DBSIZE / ground truth',
          `${full.totalKeys} / ${dbsize} keys, ${full.totalKeysWithoutTtl} / ${truth.keysWithoutTtl} without TTL: ${exact ? 'exact' : 'MISMATCH'}`,
        ],
        [
          'ratio census / memkeys',
          `${ratio.toFixed(2)}×   (target ≥ 2.5×: ${ratio >= 2.5 ? 'met' : 'MISSED'})`,
        ],
        ['ratio census / bare loop', `${(full.keysPerSec / bare.keysPerSec).toFixed(2)}×`],
        [
          'census peak RSS',
          `${rssMb.toFixed(0)} MB (${(full.rssBeforeKb / 1024).toFixed(0)} MB before the walk, tsx loader included; target < 150 MB: ${rssMb < 150 ? 'met' : 'MISSED'})`,
        ],
        ['census client CPU', `${(full.cpuMs / 1000).toFixed(1)} s`],
        ['built CLI census (keys --json --unthrottled, time -v)', builtLine(built, builtMissing)],
        ['built CLI census peak RSS', builtRss(built)],
        ['load average (1/5/15 min) after the built CLI census', builtLoad],
        [
          'grouping: families ≥ 20 keys recovered',
          `${grouping.bigRecovered} / ${grouping.bigFamilies} (${pct(grouping.bigRecovered / Math.max(1, grouping.bigFamilies))} %; target ≥ 98 %: ${grouping.bigRecovered >= 0.98 * grouping.bigFamilies ? 'met' : 'MISSED'})`,
        ],
        [
          'grouping accuracy (keys in exactly recovered families)',
          `${pct(grouping.groupingAccuracy)} % over ${grouping.families} families`,
        ],
        [
          'keys in single-key patterns / largest catch-all pattern',
          `${pct(grouping.singleKeyShare)} % / ${pct(grouping.maxNoLiteralShare)} % of keys (targets < 1 % / ≤ 1 %)`,
        ],
        [
          'pattern table alone, in process (inference and counting)',
          `${tableSec.toFixed(2)} s${table.timedKeys < opts.keys ? ` (scaled from ${fmt(table.timedKeys)} keys)` : ''} = ${((tableSec * 1e9) / opts.keys).toFixed(0)} ns per key (best of 5)`,
        ],
        [
          'pattern table share of the census (table time / census wall time)',
          `${pct(tableShare)} %   (guard ≤ ${pct(TABLE_SHARE_GUARD)} %: ${tableShare <= TABLE_SHARE_GUARD ? 'met' : 'MISSED'})`,
        ],
        [
          'pattern table CPU / census client CPU',
          `${pct(table.cpuSeconds / Math.max(0.001, full.cpuMs / 1000))} % (less load-sensitive; the census overlaps its client work with the server's next page, so the wall-time share above is what inference adds)`,
        ],
        ...grouping.missed.slice(0, 5).map((m): [string, string] => ['  missed', m]),
      ],
    );
    printTable(
      'server block time per census page (EVALSHA usec_per_call, INFO commandstats)',
      blocks.map((b) => [`COUNT ${b.count}`, `${(b.usecPerCall / 1000).toFixed(2)} ms per page`]),
    );
    const delta = latency.throttledP99 - latency.idleP99;
    printTable(
      `GET latency, idle vs census with the default throttle (${DEFAULT_THROTTLE.keysPerSec} keys/s, pages of ${DEFAULT_THROTTLE.pageSize}, guard +${DEFAULT_THROTTLE.latencyGuardMs} ms)`,
      [
        ['GETs idle / during census', `${latency.idle.length} / ${latency.throttled.length}`],
        ['idle p50 / p99', `${ms(percentile(latency.idle, 50))} / ${ms(latency.idleP99)}`],
        ['throttled p50 / p99', `${ms(percentile(latency.throttled, 50))} / ${ms(latency.throttledP99)}`],
        ['p99 delta', `${delta.toFixed(3)} ms   (target ≤ 1 ms: ${delta <= 1 ? 'met' : 'MISSED'})`],
        [
          'throttled census meanwhile',
          `${latency.census.scanned} keys at ${fmt(latency.census.keysPerSec)} keys/s, ${latency.census.throttlePauses} guard pauses`,
        ],
      ],
    );
  } finally {
    admin.disconnect();
    await server.stop();
  }
}

function builtLine(built: CliCensus | undefined, missing: string | undefined): string {
  if (!built) return `not run: ${missing ?? 'unknown'}`;
  return `${built.totalKeys} keys in ${(built.durationMs / 1000).toFixed(1)} s = ${fmt(built.keysPerSec)} keys/s (process ${(built.wallMs / 1000).toFixed(1)} s, CPU ${built.cpuSec.toFixed(1)} s)`;
}

function builtRss(built: CliCensus | undefined): string {
  if (!built) return 'not run';
  const mb = built.maxRssKb / 1024;
  return `${mb.toFixed(0)} MB (whole process; target < 150 MB: ${mb < 150 ? 'met' : 'MISSED'})`;
}

function pct(x: number): string {
  return (x * 100).toFixed(2);
}

/**
 * The regression guard on pattern inference: the pattern table alone may take at most this share of
 * the census's wall time (a printed verdict, not a test: timings on a busy CI box are noise).
 */
const TABLE_SHARE_GUARD = 0.1;

/** Keys the in-process pattern-table timing holds at once: ~1 M names fit the bench's own heap. */
const TABLE_TIMING_KEYS = 1_000_000;

/**
 * The pattern table alone on the same keys, in this process: what inference and counting cost
 * beside the walk, per key. Names are built first, so only `add` and `result` are timed; best of
 * five (the machine may be busy). Above `TABLE_TIMING_KEYS` keys an even stride of the dataset is
 * timed (holding 6.66 M names would exhaust this process's heap) and the returned time is scaled
 * to all keys.
 */
function patternTableSeconds(data: DatasetOptions): {
  seconds: number;
  cpuSeconds: number;
  timedKeys: number;
} {
  const stride = Math.max(1, Math.ceil(data.keys / TABLE_TIMING_KEYS));
  const keys: { name: Buffer; type: DatasetKeyType; pttlMs: number; bytes: number }[] = [];
  let i = 0;
  for (const rec of generateDataset(data)) {
    if (i++ % stride !== 0) continue;
    // Sizes spread like real ones, so the largest-keys heaps do their real work.
    const bytes = 50 + ((Math.imul(i, 0x9e3779b1) >>> 0) % 5000);
    keys.push({ name: Buffer.from(rec.key), type: rec.type, pttlMs: rec.ttlMs ?? -1, bytes });
  }
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 5; run++) {
    const table = new PatternTable();
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const key of keys) table.add(key);
    table.result();
    const used = process.cpuUsage(cpu);
    best = Math.min(best, (performance.now() - started) / 1000);
    bestCpu = Math.min(bestCpu, (used.user + used.system) / 1e6);
  }
  const scale = data.keys / keys.length;
  return { seconds: best * scale, cpuSeconds: bestCpu * scale, timedKeys: keys.length };
}

function withoutTtlPct(truth: DatasetGroundTruth): string {
  return ((truth.keysWithoutTtl / truth.totalKeys) * 100).toFixed(1);
}

// ---------------------------------------------------------------------------------------------
// The peers

async function runMemkeys(
  cli: string,
  port: number,
): Promise<{ sampled: number; seconds: number; keysPerSec: number }> {
  const started = performance.now();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(cli, ['-h', '127.0.0.1', '-p', String(port), '--memkeys'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out = (out + chunk.toString('utf8')).slice(-64 * 1024);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out = (out + chunk.toString('utf8')).slice(-64 * 1024);
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`redis-cli exited ${code}: ${out}`)),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  const match = /Sampled (\d+) keys in the keyspace/.exec(output);
  if (!match) throw new Error(`redis-cli --memkeys: no "Sampled N keys" line in:\n${output.slice(-2000)}`);
  const sampled = Number(match[1]);
  return { sampled, seconds, keysPerSec: sampled / seconds };
}

/** What a plain ioredis loop does: SCAN, then PTTL and MEMORY USAGE pipelined per key. */
async function bareLoop(
  port: number,
  maxMs: number,
): Promise<{ keys: number; seconds: number; keysPerSec: number; complete: boolean }> {
  const redis = new Redis(port, '127.0.0.1');
  const started = performance.now();
  let keys = 0;
  let cursor = '0';
  try {
    do {
      const [next, names] = await redis.scanBuffer(cursor, 'COUNT', 1000);
      cursor = next.toString();
      const pipeline = redis.pipeline();
      for (const name of names) {
        pipeline.pttl(name);
        pipeline.memory('USAGE', name);
      }
      await pipeline.exec();
      keys += names.length;
    } while (cursor !== '0' && performance.now() - started < maxMs);
  } finally {
    redis.disconnect();
  }
  const seconds = (performance.now() - started) / 1000;
  return { keys, seconds, keysPerSec: keys / seconds, complete: cursor === '0' };
}

// ---------------------------------------------------------------------------------------------
// The census in a child process

/** Runs one census in a child; resolves with its JSON line. `onStarted` fires when it is walking. */
function runChild(
  server: LocalRedis,
  opts: { throttled: boolean; maxSeconds?: number; onStarted?: () => void },
): Promise<ChildResult> {
  const args = [opts.throttled ? 'throttled' : 'unthrottled', String(opts.maxSeconds ?? 0)];
  return runJsonChild<ChildResult>(SELF, ['--child', server.url, ...args], {
    ...(opts.onStarted ? { onStarted: opts.onStarted } : {}),
  });
}

async function childMain(url: string, mode: string, maxSeconds: number): Promise<void> {
  const conn = await connectTarget({ name: 'bench', url, mode: 'standalone' });
  try {
    const rssBeforeKb = Math.round(process.memoryUsage().rss / 1024);
    const cpu = process.cpuUsage();
    process.stdout.write('walking\n');
    const result = await runCensus(conn, {
      cluster: 'bench',
      throttle: mode === 'throttled' ? DEFAULT_THROTTLE : false,
      ...(maxSeconds > 0 ? { signal: AbortSignal.timeout(maxSeconds * 1000) } : {}),
    });
    const used = process.cpuUsage(cpu);
    const out: ChildResult = {
      scanned: result.scannedKeys,
      dbsize: result.dbsize,
      totalKeys: result.totalKeys,
      totalKeysWithoutTtl: result.totalKeysWithoutTtl,
      totalBytes: result.totalBytes,
      patterns: result.patterns.length,
      durationMs: result.durationMs,
      keysPerSec: result.keysPerSec,
      throttlePauses: result.throttlePauses,
      complete: !result.sampled && result.scannedKeys === result.dbsize,
      rssBeforeKb,
      maxRssKb: process.resourceUsage().maxRSS,
      cpuMs: Math.round((used.user + used.system) / 1000),
      patternList: result.patterns.map((p) => ({
        pattern: p.pattern,
        keys: p.keys,
        ...(p.overlapKeys ? { overlapKeys: p.overlapKeys } : {}),
      })),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await conn.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Latency

async function latencyCheck(server: LocalRedis): Promise<{
  idle: number[];
  throttled: number[];
  idleP99: number;
  throttledP99: number;
  census: ChildResult;
}> {
  const probe = new Redis(server.port, '127.0.0.1');
  try {
    const r = await latencyDuring(probe, LATENCY_KEY, (started) =>
      runChild(server, { throttled: true, maxSeconds: 14, onStarted: started }),
    );
    return { idle: r.idle, throttled: r.busy, idleP99: r.idleP99, throttledP99: r.busyP99, census: r.load };
  } finally {
    probe.disconnect();
  }
}

/** Server time of one census page per page size (the script's whole run, as INFO commandstats counts it). */
async function pageBlockTimes(
  admin: Redis,
  counts: number[],
): Promise<{ count: number; usecPerCall: number }[]> {
  const sha = String(await admin.script('LOAD', PAGE_SCRIPT));
  const out: { count: number; usecPerCall: number }[] = [];
  for (const count of counts) {
    await admin.config('RESETSTAT');
    let cursor = '0';
    for (let i = 0; i < Math.max(20, Math.round(60_000 / count)); i++) {
      const reply = (await admin.callBuffer('EVALSHA', [sha, '0', cursor, '*', String(count), '5', '1'])) as [
        Buffer,
        ...unknown[],
      ];
      cursor = reply[0].toString();
      if (cursor === '0') break;
    }
    const stats = /cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(
      await admin.info('commandstats'),
    );
    out.push({ count, usecPerCall: Number(stats?.[1] ?? Number.NaN) });
  }
  return out;
}

if (process.argv[2] === '--child' && resolve(process.argv[1] ?? '') === SELF) {
  childMain(process.argv[3] ?? '', process.argv[4] ?? 'unthrottled', Number(process.argv[5] ?? 0)).then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
