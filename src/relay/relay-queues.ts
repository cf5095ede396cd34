/**
 * Every BullMQ queue and job name, and the payload of each job, in one place.
 * Never rename a value: jobs already in Redis carry these names.
 */
export const QueueName = {
  /** Drains per-session mailboxes of events for the bot (agent messages, typing, lifecycle). */
  ToBot: 'to-bot',
  /** Drains per-session mailboxes of commands for the contact center (open, user messages, typing, receipts, disconnect). */
  ToAgent: 'to-agent',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  DrainMailbox: 'drain-mailbox',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** A mailbox is one session's ordered stream in one direction. */
export type Lane = 'to-bot' | 'to-agent';

export interface DrainMailboxJob {
  lane: Lane;
  endpointId: string;
  sessionId: string;
  /**
   * The mailbox's head entry (raw) when the job was added by the push that took ownership of an empty mailbox:
   * the first run delivers it without reading it back. Absent for jobs added by a handoff or the sweep.
   */
  head?: string;
}

export interface JobPayloads {
  [JobName.DrainMailbox]: DrainMailboxJob;
}
export type JobOf<N extends JobName> = JobPayloads[N];

/** Which job names each queue carries; the startup check verifies every one has exactly one handler. */
export const JOBS_BY_QUEUE: Record<QueueName, readonly JobName[]> = {
  [QueueName.ToBot]: [JobName.DrainMailbox],
  [QueueName.ToAgent]: [JobName.DrainMailbox],
};
