/**
 * The node catalog: ElastiCache node types with memory, vCPU, network, whether burstable, and
 * on-demand prices per region and engine. Data, not code: the shipped `data/node-catalog.json`
 * plus, per node type, a team's own file (`capacity.nodeCatalog` in the config) merged over it,
 * so a price change or a missing region needs no release.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ErrorCode, fileReadReason, MedicError } from '../errors.js';

/** data/ sits two levels above this file both in src/capacity and in dist/capacity. */
export const SHIPPED_CATALOG = fileURLToPath(new URL('../../data/node-catalog.json', import.meta.url));

const price = z.number().positive();
const nodeTypeSchema = z
  .object({
    memoryGiB: z.number().positive(),
    vcpu: z.number().int().positive(),
    network: z.string().min(1),
    burstable: z.boolean(),
    /** region → engine → USD per node-hour. */
    onDemandUsdPerHour: z.record(
      z.string(),
      z.object({ redis: price.optional(), valkey: price.optional() }).strict(),
    ),
  })
  .strict();

const catalogSchema = z
  .object({
    $comment: z.string().optional(),
    pricesAsOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    source: z.string().min(1),
    currency: z.literal('USD'),
    hoursPerMonth: z.number().positive(),
    nodeTypes: z.record(z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/), nodeTypeSchema),
  })
  .strict();

/** An override may name only some node types, and leave the header to the shipped file. */
const overrideSchema = catalogSchema.partial().strict();

export type NodeCatalog = z.infer<typeof catalogSchema>;
export type NodeTypeSpec = z.infer<typeof nodeTypeSchema>;
export type PricedEngine = 'redis' | 'valkey';

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MedicError(
      ErrorCode.NodeCatalogInvalid,
      { path, reason: fileReadReason(err), field: '—' },
      undefined,
      {
        cause: err,
      },
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MedicError(ErrorCode.NodeCatalogInvalid, { path, reason: 'not_json', field: '—' }, undefined, {
      cause: err,
    });
  }
}

/** Where the first problem is (a field path): zod's own message is English-only, so it stays in the log. */
function fieldOf(error: z.ZodError): string {
  return error.issues[0]?.path.join('.') || '(root)';
}

/**
 * The shipped catalog, with `overridePath`'s node types merged over it (a node type named there
 * replaces the shipped entry whole; its header fields, when given, replace the shipped ones).
 */
export function loadNodeCatalog(overridePath?: string, shippedPath = SHIPPED_CATALOG): NodeCatalog {
  const shipped = catalogSchema.safeParse(readJson(shippedPath));
  if (!shipped.success) {
    throw new MedicError(
      ErrorCode.NodeCatalogInvalid,
      { path: shippedPath, reason: 'bad_value', field: fieldOf(shipped.error) },
      shipped.error.message,
    );
  }
  if (overridePath === undefined) return shipped.data;
  const override = overrideSchema.safeParse(readJson(overridePath));
  if (!override.success) {
    throw new MedicError(
      ErrorCode.NodeCatalogInvalid,
      { path: overridePath, reason: 'bad_value', field: fieldOf(override.error) },
      override.error.message,
    );
  }
  const { nodeTypes, ...header } = override.data;
  return { ...shipped.data, ...header, nodeTypes: { ...shipped.data.nodeTypes, ...nodeTypes } };
}

export interface PricedNode extends NodeTypeSpec {
  nodeType: string;
  usdPerHour: number;
}

/**
 * A node type with its price in `region` for `engine`. Valkey without its own price is Redis OSS's
 * less the 20 % AWS gives node-based Valkey clusters. Undefined when the type or the region is not
 * listed: the caller decides whether that is a refusal (the current node) or a skipped option.
 */
export function pricedNode(
  catalog: NodeCatalog,
  nodeType: string,
  region: string,
  engine: PricedEngine,
): PricedNode | undefined {
  const spec = catalog.nodeTypes[nodeType];
  const prices = spec?.onDemandUsdPerHour[region];
  if (spec === undefined || prices === undefined) return undefined;
  const usdPerHour =
    engine === 'valkey' ? (prices.valkey ?? (prices.redis ?? Number.NaN) * 0.8) : prices.redis;
  if (usdPerHour === undefined || !Number.isFinite(usdPerHour)) return undefined;
  return { ...spec, nodeType, usdPerHour };
}

/** Like {@link pricedNode}, refusing an unknown type with `unknown_node_type`. */
export function requirePricedNode(
  catalog: NodeCatalog,
  nodeType: string,
  region: string,
  engine: PricedEngine,
): PricedNode {
  const node = pricedNode(catalog, nodeType, region, engine);
  if (node === undefined) throw new MedicError(ErrorCode.UnknownNodeType, { nodeType, region, engine });
  return node;
}

/**
 * The config check of `capacity.nodeCatalog` (at load, so `check-config` and start-up name a bad
 * file instead of the first advice failing): a config problem's key and values, or undefined.
 */
export function nodeCatalogProblem(
  overridePath: string,
): { key: string; values: Record<string, string | number> } | undefined {
  try {
    loadNodeCatalog(overridePath);
    return undefined;
  } catch (err) {
    if (!(err instanceof MedicError) || err.code !== ErrorCode.NodeCatalogInvalid) throw err;
    const reason = String(err.values.reason ?? '');
    if (reason === 'not_json') return { key: 'config:node_catalog_json', values: { file: overridePath } };
    if (reason === 'bad_value')
      return {
        key: 'config:node_catalog_value',
        values: { file: overridePath, field: String(err.values.field ?? '—') },
      };
    return { key: 'config:node_catalog_unreadable', values: { file: overridePath, reason } };
  }
}
