/**
 * Every BullMQ queue and job name, and the payload of each job, in one place.
 * Never rename a value: jobs already in Redis carry these names.
 */

/**
 * A lane is one direction of the relay, and its BullMQ queue has the lane's name. Each session has one mailbox
 * per lane: an ordered stream drained by one job at a time.
 */
export const Lane = {
  /** Events for the bot (agent messages, typing, lifecycle). */
  ToBot: 'to-bot',
  /** Commands for the contact center (open, user messages, typing, receipts, disconnect). */
  ToAgent: 'to-agent',
} as const;
export type Lane = (typeof Lane)[keyof typeof Lane];
export const LANES: readonly Lane[] = Object.values(Lane);

export const JobName = {
  DrainMailbox: 'drain-mailbox',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export interface DrainMailboxJob {
  lane: Lane;
  endpointId: string;
  sessionId: string;
  /**
   * The mailbox's head entry (raw) when the job was added by the push that took ownership of an empty mailbox:
   * the first run delivers it without reading it back. Absent for jobs added by a handoff or the sweep.
   */
  head?: string;
  /**
   * Attempts a local drain already spent on the head before it passed the mailbox to this job (LocalDrains): they
   * count towards DELIVERY_ATTEMPTS and the backoff, so the job was added with that many fewer attempts.
   */
  priorAttempts?: number;
}

export interface JobPayloads {
  [JobName.DrainMailbox]: DrainMailboxJob;
}
export type JobOf<N extends JobName> = JobPayloads[N];

/** Which job names each lane's queue carries; the startup check verifies every one has exactly one worker. */
export const JOBS_BY_LANE: Record<Lane, readonly JobName[]> = {
  [Lane.ToBot]: [JobName.DrainMailbox],
  [Lane.ToAgent]: [JobName.DrainMailbox],
};
