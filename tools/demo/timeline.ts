import { randomUUID } from 'node:crypto';
import type { TimelineDraft, TimelineEntry } from './demo-events';

const KEPT = 500;

/** Shortens a message text for a one-line summary. */
export function quote(text: unknown, max = 60): string {
  if (typeof text !== 'string' || text === '') return '';
  const line = text.replace(/\s+/g, ' ').trim();
  return `"${line.length > max ? `${line.slice(0, max - 1)}…` : line}"`;
}

/** The recent hops, in time order, each published as it is added. */
export class Timeline {
  private entries: TimelineEntry[] = [];

  constructor(private readonly publish: (entry: TimelineEntry) => void) {}

  add(draft: TimelineDraft): void {
    const entry = { id: randomUUID(), ...draft };
    // Hops are observed from several sources with their own delays: keep the list in the order they happened.
    let index = this.entries.length;
    while (index > 0 && this.entries[index - 1].at > entry.at) index--;
    this.entries.splice(index, 0, entry);
    if (this.entries.length > KEPT) this.entries = this.entries.slice(-KEPT);
    this.publish(entry);
  }

  all(): TimelineEntry[] {
    return [...this.entries];
  }
}
