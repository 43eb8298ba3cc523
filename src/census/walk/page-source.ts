/**
 * Where a census page comes from on one primary: the page script (SCAN plus PTTL / TYPE / MEMORY
 * USAGE per key in one server call) where the server allows it, else a plain SCAN with the reads
 * pipelined after it; MEMORY USAGE left out where it is refused. Decided once per primary, and
 * again on the first page the server refuses the script.
 */
import type { Redis } from 'ioredis';
import { errorMessage } from '../../errors.js';
import type { CallWrapper } from '../../keyspace/scan/db-select.js';
import { scanPage } from '../../keyspace/scan/scan-page.js';
import type { ScannedKey } from '../types.js';
import { isConnectionError } from './errors.js';
import { PAGE_SCRIPT, parseScriptReply, type RawPage, readKeysPipelined } from './page-reads.js';
import type { WalkStrategy } from './types.js';

const MAX_SCRIPT_SAMPLES = 64;

export interface PageSourceOptions {
  match: string;
  count: number;
  samples: number;
  strategy: 'auto' | WalkStrategy;
  /** Every server call goes through the walk's deadline. */
  call: CallWrapper;
  /** Keys SCAN returned that were gone before their reads. */
  onVanished: (n: number) => void;
}

export class PageSource {
  strategy: WalkStrategy = 'script';
  withMemory = true;
  private sha = '';

  constructor(
    private readonly node: Redis,
    private readonly o: PageSourceOptions,
  ) {}

  /** Whether MEMORY USAGE is allowed, and the page script loaded (else the pipeline). */
  async detect(): Promise<void> {
    try {
      // A name no one uses: nil when MEMORY USAGE works, an error when it is refused.
      await this.o.call(this.node.memory('USAGE', '__redis_medic_probe__'));
    } catch (err) {
      if (isConnectionError(err)) throw err;
      this.withMemory = false;
    }
    const scriptable = this.o.samples > 0 && this.o.samples <= MAX_SCRIPT_SAMPLES;
    if (this.o.strategy === 'pipeline' || (this.o.strategy === 'auto' && !scriptable)) {
      this.strategy = 'pipeline';
      return;
    }
    try {
      this.sha = String(await this.o.call(this.node.script('LOAD', PAGE_SCRIPT)));
      this.strategy = 'script';
    } catch (err) {
      if (isConnectionError(err) || this.o.strategy === 'script') throw err;
      this.strategy = 'pipeline';
    }
  }

  /** One page at `cursor` (a server call for SCAN; with the script, the per-key reads too). */
  request(cursor: string): Promise<RawPage> {
    return this.strategy === 'script' ? this.scriptPage(cursor) : this.scanPage(cursor);
  }

  private async scriptPage(cursor: string): Promise<RawPage> {
    const args = [this.sha, '0', cursor, this.o.match, String(this.o.count), String(this.o.samples)];
    args.push(this.withMemory ? '1' : '0');
    try {
      return parseScriptReply(await this.o.call(this.node.callBuffer('EVALSHA', args)), this.o.onVanished);
    } catch (err) {
      if (isConnectionError(err)) throw err;
      let failure = err;
      if (/NOSCRIPT/.test(errorMessage(err))) {
        // The script cache was flushed (SCRIPT FLUSH, a restart behind a proxy): load it once more.
        try {
          this.sha = String(await this.o.call(this.node.script('LOAD', PAGE_SCRIPT)));
          const reply = await this.o.call(this.node.callBuffer('EVALSHA', [this.sha, ...args.slice(1)]));
          return parseScriptReply(reply, this.o.onVanished);
        } catch (again) {
          if (isConnectionError(again)) throw again;
          failure = again;
        }
      }
      if (this.o.strategy === 'script') throw failure;
      // The server refuses the script although SCRIPT LOAD worked (ACL on EVALSHA, a proxy, a
      // cluster rule on undeclared keys…): the plain pipeline from here on, same page.
      this.strategy = 'pipeline';
      return this.scanPage(cursor);
    }
  }

  private async scanPage(cursor: string): Promise<RawPage> {
    const page = await this.o.call(scanPage(this.node, cursor, this.o.match, this.o.count));
    return { cursor: page.cursor, size: page.names.length, keys: null, names: page.names };
  }

  /** Pipeline strategy: the per-key reads of a page SCAN returned. */
  async readKeys(raw: RawPage): Promise<ScannedKey[]> {
    const { keys, vanished } = await readKeysPipelined(this.node, raw.names, {
      samples: this.o.samples,
      withMemory: this.withMemory,
      call: this.o.call,
    });
    if (vanished) this.o.onVanished(vanished);
    return keys;
  }
}
