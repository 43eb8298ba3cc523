/**
 * Encodes dataset records (and plain commands) as RESP straight into a growing Buffer, for the raw
 * writer's connections.
 */
import type { DatasetRecord } from './types.js';

const CRLF = 0x0a0d;
const SET = Buffer.from('$3\r\nSET\r\n');
const HSET = Buffer.from('$4\r\nHSET\r\n');
const SADD = Buffer.from('$4\r\nSADD\r\n');
const PEXPIRE = Buffer.from('*3\r\n$7\r\nPEXPIRE\r\n');
const PX = Buffer.from('$2\r\nPX\r\n');

type FastUtf8 = Buffer & { utf8Write?: (s: string, offset: number) => number };

// Buffer#write spends more time validating its arguments than copying short strings; Node's own
// utf8Write (undocumented, present since Node 0.x) skips that. Fall back when it is missing.
const utf8Write: (buf: Buffer, s: string, offset: number) => number =
  typeof (Buffer.prototype as FastUtf8).utf8Write === 'function'
    ? (buf, s, offset) =>
        (buf as FastUtf8 & { utf8Write: (s: string, offset: number) => number }).utf8Write(s, offset)
    : (buf, s, offset) => buf.write(s, offset, 'utf8');

/**
 * RESP written straight into a growing Buffer: building strings per command made the garbage
 * collector the loader's main cost.
 */
export class RespEncoder {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private len = 0;
  commands = 0;

  /** The encoded bytes so far; the encoder starts over on a fresh buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.len = 0;
    this.commands = 0;
    return out;
  }

  get empty(): boolean {
    return this.len === 0;
  }

  command(args: readonly string[]): void {
    this.header(0x2a, args.length);
    for (const arg of args) this.bulk(arg);
    this.commands++;
  }

  record(rec: DatasetRecord): void {
    if (rec.type === 'string') {
      this.header(0x2a, rec.ttlMs === null ? 3 : 5);
      this.raw(SET);
      this.bulk(rec.key);
      this.bulk(rec.value);
      if (rec.ttlMs !== null) {
        this.raw(PX);
        this.bulk(String(rec.ttlMs));
      }
      this.commands++;
      return;
    }
    if (rec.type === 'hash') {
      const entries = Object.entries(rec.fields);
      this.header(0x2a, 2 + entries.length * 2);
      this.raw(HSET);
      this.bulk(rec.key);
      for (const [f, v] of entries) {
        this.bulk(f);
        this.bulk(v);
      }
    } else {
      this.header(0x2a, 2 + rec.members.length);
      this.raw(SADD);
      this.bulk(rec.key);
      for (const m of rec.members) this.bulk(m);
    }
    this.commands++;
    if (rec.ttlMs !== null) {
      this.raw(PEXPIRE);
      this.bulk(rec.key);
      this.bulk(String(rec.ttlMs));
      this.commands++;
    }
  }

  private reserve(bytes: number): void {
    if (this.len + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + bytes));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private raw(bytes: Buffer): void {
    this.reserve(bytes.length);
    this.len += bytes.copy(this.buf, this.len);
  }

  /** `*<n>\r\n` or `$<n>\r\n`. */
  private header(kind: number, n: number): void {
    this.reserve(24);
    this.buf[this.len++] = kind;
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    for (let i = digits - 1, x = n; i >= 0; i--, x = Math.floor(x / 10))
      this.buf[this.len + i] = 0x30 + (x % 10);
    this.len += digits;
    this.buf.writeUInt16LE(CRLF, this.len);
    this.len += 2;
  }

  private bulk(s: string): void {
    const bytes = Buffer.byteLength(s);
    this.header(0x24, bytes);
    this.reserve(bytes + 2);
    this.len += utf8Write(this.buf, s, this.len);
    this.buf.writeUInt16LE(CRLF, this.len);
    this.len += 2;
  }
}
