/**
 * Bounds how much post-ack work (status checks, chart drawing, uploads) runs at once in this
 * process. A Slack request must be acked within 3 s, and the ack can only be written when the event
 * loop is free: a burst of 200 `/redis-status` each drawing a chart (tens of ms of synchronous
 * canvas work) would otherwise keep the loop busy for seconds and starve the acks of later
 * requests. Work beyond the limit waits its turn; each turn is handed over through `setImmediate`,
 * so pending sockets (new requests to ack) are read between two pieces of work.
 */
export class WorkGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  private enter(): Promise<void> {
    if (this.running < this.limit) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private leave(): void {
    const next = this.waiting.shift();
    if (!next) {
      this.running -= 1;
      return;
    }
    // The slot passes straight to the next waiter, but only after the event loop has polled I/O.
    setImmediate(next);
  }
}
