/**
 * The one SCAN loop: steps a cursor from where it starts until the server hands back the end
 * (`0`, or the boundary of a lane), one page per server call, with the next call already on its
 * way while the caller works on the page it was handed. What a page is (a plain SCAN, a page
 * script that also reads each key) is the caller's `fetch`; pacing is the caller's `pace`.
 *
 * At most one call per cursor is in flight at a time (a server answers one connection's calls in
 * order, so a second would only wait behind the first); up to `ahead` answered or pending pages
 * are held beyond the one being worked on, which bounds memory whatever the keyspace. Two lanes
 * of one table (lanes.ts) are two walks, one per cursor.
 */

/** A page as the walk sees it: the cursor to ask for next. */
export interface CursorPage {
  cursor: string;
}

export interface CursorWalkOptions<P extends CursorPage> {
  /** The cursor of the first call (`'0'`, a lane's start, or a saved position). */
  from: string;
  /** One server call for the page at `cursor`. */
  fetch: (cursor: string) => Promise<P>;
  /** Whether a page's next cursor ends this walk. @defaultValue `cursor === '0'` */
  ends?: (cursor: string) => boolean;
  /** Pages fetched beyond the one being worked on (0: each page is asked for when the last is done). */
  ahead: number;
  /**
   * Unpaced walks only: ask for the next page the moment one answers (while fewer than `ahead`
   * are held), not only when the caller takes a page.
   */
  chain?: boolean;
  /** Before each call (the latency guard, the keys/s budget). */
  pace?: () => Promise<void>;
  /** Whether the first call is paced too. @defaultValue true */
  paceFirst?: boolean;
  /** As a page arrives, before anything else is asked for (may throw to end the walk). */
  arrived?: (page: P, last: boolean) => void;
  /** Whether to ask for more beyond `page` before handing it over (e.g. a key limit is near). */
  more?: (page: P) => boolean;
  /** The walk stops (abort, a sibling failed) at the next page boundary. */
  stopped: () => boolean;
}

export interface WalkedPage<P> {
  page: P;
  /** The server handed back the end with this page. */
  last: boolean;
}

/**
 * Yields every page in cursor order. Stopping early (`break`, `stopped()`) leaves nothing
 * unhandled behind: a call still in flight is let go quietly. A failed call ends the walk with its
 * error.
 */
export async function* walkCursor<P extends CursorPage>(
  o: CursorWalkOptions<P>,
): AsyncGenerator<WalkedPage<P>, void, undefined> {
  const ends = o.ends ?? ((cursor: string) => cursor === '0');
  const queue: Promise<P>[] = [];
  let next: string | null = o.from;
  let fetching = false;

  const start = (): void => {
    const cursor = next as string;
    fetching = true;
    const page = o.fetch(cursor).then(
      (p) => {
        fetching = false;
        next = ends(p.cursor) ? null : p.cursor;
        if (o.chain) fill();
        return p;
      },
      (err: unknown) => {
        fetching = false;
        next = null;
        throw err;
      },
    );
    // Pages dropped by an early stop must not surface as unhandled rejections.
    page.catch(() => {});
    queue.push(page);
  };
  const canFetch = () => !fetching && next !== null && queue.length < o.ahead && !o.stopped();
  const fill = (): void => {
    if (canFetch()) start();
  };

  let first = true;
  for (;;) {
    if (queue.length === 0) {
      if (next === null || o.stopped()) return;
      if (o.pace && (!first || o.paceFirst !== false)) await o.pace();
      if (o.stopped()) return;
      start();
    }
    first = false;
    const page = await (queue.shift() as Promise<P>);
    const last = ends(page.cursor);
    o.arrived?.(page, last);
    if (o.stopped()) return;
    if (!last && (o.more?.(page) ?? true) && canFetch()) {
      if (o.pace) await o.pace();
      if (canFetch()) start();
    }
    yield { page, last };
    if (last) return;
  }
}
