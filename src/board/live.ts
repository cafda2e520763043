// Live updates: one poll of the cases table per second per process (only while someone watches), pushed as
// server-sent events to every open board whose scope holds a changed unit; the page then fetches its own rows.
import type { ServerResponse } from 'node:http';
import type { Principal } from '../api/auth.js';
import type { Records } from '../records/index.js';

export const POLL_MS = 1000;
const KEEPALIVE_MS = 15_000;

interface Subscriber {
  res: ServerResponse;
  principal: Principal;
  expires: number;
}

export class LiveUpdates {
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  /** unit → "max(updated_at)|count" at the last poll; undefined before the first. */
  private last: Map<string, string> | undefined;
  private polling = false;

  constructor(private readonly records: Records) {}

  subscribe(res: ServerResponse, principal: Principal, expires: number): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-content-type-options': 'nosniff' });
    // The browser reconnects after 2 s when the stream drops (a restart of this process).
    res.write('retry: 2000\n\n');
    const sub: Subscriber = { res, principal, expires };
    this.subscribers.add(sub);
    res.on('close', () => {
      this.subscribers.delete(sub);
      if (this.subscribers.size === 0) this.stop();
    });
    this.start();
  }

  close(): void {
    for (const s of this.subscribers) s.res.end();
    this.subscribers.clear();
    this.stop();
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.keepalive = setInterval(() => {
      for (const s of this.subscribers) s.res.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.timer.unref();
    this.keepalive.unref();
    void this.poll();
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.keepalive);
    this.timer = undefined;
    this.keepalive = undefined;
    this.last = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const { rows } = await this.records.db.query<{ unit_id: string; v: string }>("SELECT unit_id, max(updated_at)::text || '|' || count(*) AS v FROM cases GROUP BY unit_id");
      const now = new Map(rows.map((r) => [r.unit_id, r.v]));
      const previous = this.last;
      this.last = now;
      if (!previous) return;
      const changed = new Set<string>();
      for (const [unit, v] of now) if (previous.get(unit) !== v) changed.add(unit);
      for (const unit of previous.keys()) if (!now.has(unit)) changed.add(unit);
      if (changed.size === 0) return;
      const at = new Date().toISOString();
      for (const s of this.subscribers) {
        // A session past its expiry gets no more news: its page signs in again on the next load.
        if (s.expires <= Date.now()) {
          s.res.end();
          continue;
        }
        // A unit's clerk hears only of its own units' cases.
        if (s.principal.role === 'unit' && !s.principal.units.some((u) => changed.has(u))) continue;
        s.res.write(`event: change\ndata: ${JSON.stringify({ at })}\n\n`);
      }
    } catch {
      // The database is down: the boards keep their last rows and hear again once it answers.
    } finally {
      this.polling = false;
    }
  }
}
