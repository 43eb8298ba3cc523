/**
 * One place reads INFO, one place reads a Redis glob, one layer walks a keyspace, and Lua lives in
 * `.lua` files: the sources of `src/` are scanned for the shapes those take (an INFO field regex, a
 * hand-written glob class parser, a SCAN or SELECT sent from TypeScript, Lua text in a TypeScript
 * string), and each shape may appear only in its owner.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const srcDir = join(root, 'src');
const INFO_OWNER = 'src/keyspace/server-facts.ts';
const GLOB_OWNER = 'src/keyspace/glob.ts';
const SCAN_OWNER_DIR = 'src/keyspace/';
const LUA_DIR = join(srcDir, 'keyspace/lua');
const LUA_LOADER = join(srcDir, 'keyspace/lua.ts');

const INFO_FIELDS =
  'redis_version|valkey_version|dragonfly_version|server_name|run_id|process_id|os|arch_bits|role|master_host|master_port|used_memory|maxmemory|maxmemory_policy|cluster_enabled|cluster_state|expires|keys|avg_ttl';

/** What parsing INFO by hand looks like. */
const INFO_SHAPES: RegExp[] = [
  /\binfoField\b/,
  /\bfunction\s+parseInfo\b/,
  // A regex built per field name: new RegExp(`^${field}:(.*)$`, 'm').
  /new RegExp\(\s*`\^?\$\{[^}]+\}:/,
  // A regex literal capturing a field's value: /^os:(.*)$/m, /maxmemory_policy:(\S+)/, /^db(\d+):/.
  new RegExp(`(?:^|[^\\w])(?:${INFO_FIELDS})[:=]\\(`),
  /\^db\(\\d\+\):/,
  // INFO's line structure: CRLF lines with `#` section headers.
  /split\(\s*'\\r\\n'\s*\)/,
  /split\(\s*\/\\r\?\\n\/\s*\)/,
];

/** What parsing a glob by hand looks like: testing for a class opener, or a tokenizer of its own. */
const GLOB_SHAPES: RegExp[] = [
  /(?:===|!==)\s*(?:'\['|"\["|0x5b\b|91\b)/,
  /case\s+(?:'\['|0x5b\b)/,
  /\bfunction\s+(?:compileGlob|tokenize|globTokens|matchAt)\b/,
];

/**
 * Walking a keyspace by hand: sending SCAN (or its per-collection and stream forms) or SELECT from
 * TypeScript. The page scripts send SCAN from Lua; they are keyspace's own `.lua` files.
 */
const SCAN_SHAPES: RegExp[] = [
  /\.(?:[hsz]?scan)(?:Buffer)?(?:Stream)?\s*\(/i,
  /\bscan(?:Buffer)?Stream\b/,
  /(['"`])(?:[HSZ]?SCAN|SELECT)\1/,
  /\.select\s*\(/,
  // Through ioredis' generic `call` / `send_command` / `Command`: call('SCAN', …).
  /\b(?:call|callBuffer|send_command|sendCommand)\(\s*['"`](?:[hsz]?scan|select)['"`]/i,
];

/** Lua text: only Lua has KEYS[n] / ARGV[n] subscripts, `redis.replicate_commands` or `local x =`. */
const LUA_SHAPES: RegExp[] = [/\bKEYS\[\d/, /\bARGV\[\d/, /redis\.replicate_commands/, /\blocal\s+\w+\s*=/];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Source without block comments and whole-line `//` comments: prose may name what code may not do. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

const sources = tsFiles(srcDir).map((path) => ({
  file: relative(root, path),
  text: code(readFileSync(path, 'utf8')),
}));

function offenders(shapes: RegExp[], owner: string | undefined): string[] {
  return sources
    .filter((s) => (owner?.endsWith('/') ? !s.file.startsWith(owner) : s.file !== owner))
    .flatMap((s) => shapes.filter((shape) => shape.test(s.text)).map((shape) => `${s.file}: ${shape}`));
}

describe('the scanner', () => {
  it('recognises the hand-written readers it is meant to keep out', () => {
    const snippets = {
      info: [
        // The placeholder is text here, as it is in the source this pattern finds.
        'const match = new RegExp(`^$' + "{field}:(.*)$`, 'm').exec(info);",
        "const os = /^os:(.*)$/m.exec(await redis.info('server'))?.[1] ?? '';",
        'const policy = /maxmemory_policy:(\\S+)/.exec(info)?.[1];',
        'for (const m of keyspace.matchAll(/^db(\\d+):.*\\bexpires=(\\d+)/gm)) {}',
        "for (const line of text.split('\\r\\n')) {}",
      ],
      glob: ["if (c === '[') {", '} else if (pc === 0x5b) {'],
      lua: ["const S = `local v = redis.call('GET', KEYS[1])`;"],
      scan: [
        "const [next, names] = await node.scanBuffer(cursor, 'MATCH', match, 'COUNT', count);",
        "const [c, keys] = await redis.scan(cursor, 'COUNT', 100);",
        "const stream = redis.scanStream({ match: 'user:*' });",
        'for await (const keys of redis.scanBufferStream()) {}',
        "await redis.call('SCAN', cursor);",
        'await node.select(db);',
        "hello.command(['SELECT', String(db)]);",
        "const [c2, fields] = await redis.hscanBuffer(key, '0');",
      ],
    };
    for (const s of snippets.info)
      expect(
        INFO_SHAPES.some((r) => r.test(code(s))),
        s,
      ).toBe(true);
    for (const s of snippets.glob)
      expect(
        GLOB_SHAPES.some((r) => r.test(code(s))),
        s,
      ).toBe(true);
    for (const s of snippets.lua)
      expect(
        LUA_SHAPES.some((r) => r.test(code(s))),
        s,
      ).toBe(true);
    for (const s of snippets.scan)
      expect(
        SCAN_SHAPES.some((r) => r.test(code(s))),
        s,
      ).toBe(true);
  });

  it('reads the owners themselves (so the rules below cannot pass on an empty scan)', () => {
    const files = new Set(sources.map((s) => s.file));
    expect(files).toContain(INFO_OWNER);
    expect(files).toContain(GLOB_OWNER);
    expect(offenders(GLOB_SHAPES, undefined).some((o) => o.startsWith(GLOB_OWNER))).toBe(true);
    expect(offenders(SCAN_SHAPES, undefined).some((o) => o.startsWith(SCAN_OWNER_DIR))).toBe(true);
  });
});

describe('one reader each', () => {
  it('INFO is parsed only in keyspace/server-facts.ts', () => {
    expect(offenders(INFO_SHAPES, INFO_OWNER)).toEqual([]);
  });

  it('a Redis glob is parsed and matched only in keyspace/glob.ts', () => {
    expect(offenders(GLOB_SHAPES, GLOB_OWNER)).toEqual([]);
  });

  it('SCAN and SELECT are sent only from keyspace/ (the one SCAN loop, the one DB switch)', () => {
    expect(offenders(SCAN_SHAPES, SCAN_OWNER_DIR)).toEqual([]);
  });

  it('no TypeScript file holds Lua: scripts are .lua files', () => {
    expect(offenders(LUA_SHAPES, undefined)).toEqual([]);
  });

  it('every script the loader names is a .lua file, and every .lua file is named', () => {
    const union = /export type LuaScriptName =([^;]+);/.exec(readFileSync(LUA_LOADER, 'utf8'))?.[1] ?? '';
    const named = [...union.matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
    const files = readdirSync(LUA_DIR)
      .filter((f) => f.endsWith('.lua'))
      .map((f) => f.slice(0, -'.lua'.length))
      .sort();
    expect(named.length).toBeGreaterThan(0);
    expect(named).toEqual(files);
  });
});
