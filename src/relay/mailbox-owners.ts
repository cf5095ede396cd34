import { randomUUID } from 'node:crypto';

/**
 * The two kinds of mailbox owner. A drain job's owner id is its BullMQ job id (`drain-<uuid>`). A local owner
 * (`local:<processId>:<uuid>`) is a drain running in the process that named it (LocalDrains), without a job; it
 * is only as alive as that process's heartbeat (RedisKeys.relayProcess).
 */
const LOCAL = 'local:';

export function jobOwnerId(): string {
  return `drain-${randomUUID()}`;
}

export function localOwnerId(processId: string): string {
  return `${LOCAL}${processId}:${randomUUID()}`;
}

/** The process of a local owner; undefined for a drain job's id. */
export function processOfOwner(owner: string): string | undefined {
  if (!owner.startsWith(LOCAL)) return undefined;
  return owner.slice(LOCAL.length, owner.lastIndexOf(':'));
}
