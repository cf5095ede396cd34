import { performance } from 'node:perf_hooks';
import { percentile } from './stats';

/**
 * Correctness and latency bookkeeping of one load point. Every message text is `tag|session|seq|sentAt`, so
 * whoever receives it (the sink bot, the emulator) can report it without shared state: the tracker counts lost,
 * duplicated and out-of-order (per-session sequence inversions) messages and end-to-end latency.
 */
export class DeliveryTracker {
  private tag = 'idle';
  private seqBySession = new Map<number, number>();
  private lastArrivedSeq = new Map<number, number>();
  /** Accepted (2xx) messages and when the answer came. */
  private accepted = new Map<string, number>();
  private sentAt = new Map<string, number>();
  /** Per message: the highest seq of its session accepted when it was sent (candidates that must arrive before). */
  private mustFollow = new Map<string, number>();
  private highestAccepted = new Map<number, number>();
  private arrivedAt = new Map<string, number>();
  private e2e: number[] = [];
  private firstSend = 0;
  private lastArrival = 0;
  duplicates = 0;
  /** A message delivered before one of its session that had been accepted before it was sent. */
  outOfOrder = 0;
  /** Raw per-session seq inversions, including messages that were in flight together (no order promised). */
  inversions = 0;
  unexpected = 0;
  /** Arrivals that belong to an earlier point (late deliveries); counted, never mixed in. */
  stray = 0;

  begin(tag: string): void {
    this.tag = tag;
    this.seqBySession.clear();
    this.lastArrivedSeq.clear();
    this.accepted.clear();
    this.sentAt.clear();
    this.mustFollow.clear();
    this.highestAccepted.clear();
    this.arrivedAt.clear();
    this.e2e = [];
    this.firstSend = 0;
    this.lastArrival = 0;
    this.duplicates = this.outOfOrder = this.inversions = this.unexpected = this.stray = 0;
  }

  /** The next message for `session`: its key and its text (carrying the send time). */
  next(session: number): { key: string; text: string } {
    const seq = (this.seqBySession.get(session) ?? 0) + 1;
    this.seqBySession.set(session, seq);
    const now = performance.now();
    if (this.firstSend === 0) this.firstSend = now;
    this.mustFollow.set(`${session}:${seq}`, this.highestAccepted.get(session) ?? 0);
    this.sentAt.set(`${session}:${seq}`, now);
    return { key: `${session}:${seq}`, text: `${this.tag}|${session}|${seq}|${now.toFixed(2)}` };
  }

  markAccepted(key: string): void {
    this.accepted.set(key, performance.now());
    const [session, seq] = key.split(':').map(Number);
    if (seq > (this.highestAccepted.get(session) ?? 0)) this.highestAccepted.set(session, seq);
  }

  /** A delivered text (from the sink or the emulator). Ignores texts that are not bench messages. */
  arrive(text: string | undefined): void {
    if (!text) return;
    const parts = text.split('|');
    if (parts.length !== 4) return;
    if (parts[0] !== this.tag) {
      this.stray++;
      return;
    }
    const now = performance.now();
    const session = Number(parts[1]);
    const seq = Number(parts[2]);
    const key = `${session}:${seq}`;
    if (this.arrivedAt.has(key)) {
      this.duplicates++;
      return;
    }
    this.arrivedAt.set(key, now);
    this.lastArrival = now;
    this.e2e.push(now - Number(parts[3]));
    const last = this.lastArrivedSeq.get(session) ?? 0;
    if (seq < last) this.inversions++;
    else this.lastArrivedSeq.set(session, seq);
    // A violation: an earlier message of the session, acknowledged before this one was sent, has not arrived yet.
    const sent = this.sentAt.get(key) ?? 0;
    for (let j = this.mustFollow.get(key) ?? 0; j > 0; j--) {
      const before = `${session}:${j}`;
      const ackedAt = this.accepted.get(before);
      if (ackedAt !== undefined && ackedAt < sent && !this.arrivedAt.has(before)) {
        this.outOfOrder++;
        break;
      }
    }
  }

  get acceptedCount(): number {
    return this.accepted.size;
  }

  /**
   * The longest an accepted message waited for its delivery after `t` (performance.now(), e.g. a crash): from `t`,
   * or from its send if later, to its first delivery. NaN while one has not arrived.
   */
  longestWaitAfter(t: number): number {
    let longest = 0;
    for (const key of this.accepted.keys()) {
      const arrived = this.arrivedAt.get(key);
      if (arrived === undefined) return NaN;
      longest = Math.max(longest, arrived - Math.max(t, this.sentAt.get(key)!));
    }
    return longest;
  }

  /** Deliveries of this point's messages, acknowledged or not. */
  get arrivedCount(): number {
    return this.arrivedAt.size;
  }

  deliveredAcceptedCount(): number {
    let n = 0;
    for (const key of this.accepted.keys()) if (this.arrivedAt.has(key)) n++;
    return n;
  }

  summary() {
    const sorted = [...this.e2e].sort((a, b) => a - b);
    let lost = 0;
    for (const key of this.accepted.keys()) if (!this.arrivedAt.has(key)) lost++;
    for (const key of this.arrivedAt.keys()) if (!this.accepted.has(key)) this.unexpected++;
    const spanS = this.lastArrival > this.firstSend ? (this.lastArrival - this.firstSend) / 1000 : NaN;
    return {
      accepted: this.accepted.size,
      delivered: this.arrivedAt.size,
      deliveredPerS: this.arrivedAt.size / spanS,
      e2eP50: percentile(sorted, 50, true),
      e2eP99: percentile(sorted, 99, true),
      e2eP999: percentile(sorted, 99.9, true),
      lost,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      inversions: this.inversions,
      unexpected: this.unexpected,
      stray: this.stray,
    };
  }
}
