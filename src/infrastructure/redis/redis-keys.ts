import { randomBytes } from 'node:crypto';

/**
 * How many shards the sessions are spread over. Each shard is one hash tag, so one Redis Cluster slot: every key of a
 * session, of its handovers and of the shard's own indexes shares it, and each script touches one slot. 32 tags
 * spread evenly enough over the masters of a cluster. Never change it without migrating the data: a session's keys
 * are found through it.
 */
export const SHARDS = 32;

/** FNV-1a, 32 bit: cheap, stable across processes and versions, and even enough for a shard. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Every Redis key the connector writes, in one place: `<prefix>:<shape…>` (REDIS_PREFIX, default `hc`), one method
 * per shape, grouped by the class that owns it. Each says the data type and how long it lives. Never change a
 * string without migrating the data (and BullMQ's jobs).
 *
 * Hash tags (Redis Cluster): every key a script touches together carries the same `{…}` tag, the same layout on a
 * plain Redis and on a cluster.
 * - A session's keys, its handovers' keys and the shard's indexes (active mailboxes, timers, live handovers, the
 *   session and dead-letter indexes) carry the session's shard tag `{s<n>}` (`shardOf`). Ids that name a sharded
 *   record (handovers, dead letters) carry their shard (`newId`), so a key is found from the id alone.
 * - The endpoint records and their API-key index share `{endpoints}`; each BullMQ queue has its own tag.
 * - Every other key is read and written by single-key commands and scripts, so it needs none.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** The shard of a session: where its keys live (see SHARDS). */
  shardOf(endpointId: string, sessionId: string): number {
    return fnv1a(`${endpointId}/${sessionId}`) % SHARDS;
  }

  /** A new id of a record kept in `shard`: `<kind>_<shard>_<random>`, so `shardOfId` finds it again. */
  newId(kind: string, shard: number): string {
    return `${kind}_${shard}_${randomBytes(16).toString('base64url')}`;
  }

  /** The shard an id made by `newId` names; any other id (unknown to the connector) gets a fixed shard of its own. */
  shardOfId(id: string): number {
    const match = /^[a-z]+_(\d{1,3})_/.exec(id);
    const shard = match ? Number(match[1]) : NaN;
    return shard < SHARDS ? shard : fnv1a(id) % SHARDS;
  }

  /** Every shard, for the readers that go over all of them (sweeps, timers, listings). */
  shards(): number[] {
    return Array.from({ length: SHARDS }, (_, shard) => shard);
  }

  private sharded(shard: number, ...parts: string[]): string {
    return this.key(`{s${shard}}`, ...parts);
  }

  /** A key of one session: `<prefix>:{s<shard>}:<shape>:<endpointId>:<sessionId>[:more]`. */
  private ofSession(shape: string, endpointId: string, sessionId: string, ...more: string[]): string {
    return this.sharded(this.shardOf(endpointId, sessionId), shape, endpointId, sessionId, ...more);
  }

  // ── relay (SessionMailbox, the only writer of mailbox keys) ────────────────────────────────────────────────

  /** List: one session's ordered entries on one lane (raw entries, see parseEntry). No TTL; empty means gone. */
  mailbox(lane: string, endpointId: string, sessionId: string): string {
    return this.ofSession(`mbox:${lane}`, endpointId, sessionId);
  }

  /**
   * String: the owner of the mailbox, a drain job's id or a local drain's (mailbox-owners.ts). No TTL; deleted when the
   * owner releases it empty.
   */
  mailboxOwner(lane: string, endpointId: string, sessionId: string): string {
    return this.ofSession(`mbox-owner:${lane}`, endpointId, sessionId);
  }

  /** Set of `<endpointId>/<sessionId>`: the shard's mailboxes on a lane that have an owner (what the sweep looks at). No TTL. */
  mailboxesActive(lane: string, shard: number): string {
    return this.sharded(shard, 'mbox-active', lane);
  }

  /** String (JSON DeadLetter): one dead-lettered entry; its id names its shard. No TTL; deleted by a replay. */
  deadLetter(id: string): string {
    return this.sharded(this.shardOfId(id), 'dead-letter', id);
  }

  /** Sorted set of the dead-letter ids of one endpoint in one shard, by failure time (ms). No TTL. */
  deadLettersOf(endpointId: string, shard: number): string {
    return this.sharded(shard, 'dead-letters', endpointId);
  }

  /** Sorted set of every dead-letter id of one shard, by failure time (ms). No TTL. */
  deadLetters(shard: number): string {
    return this.sharded(shard, 'dead-letters');
  }

  /**
   * String `1`: one process is alive and drains mailboxes locally (LocalDrains). PX 5 s, renewed every second; deleted
   * at its shutdown. A local owner whose process has none is recovered by the sweep.
   */
  relayProcess(processId: string): string {
    return this.key('relay-process', processId);
  }

  /** Set of the process ids that announced a relayProcess key: where the sweep looks for dead ones. No TTL; members leave at shutdown or once recovered. */
  relayProcesses(): string {
    return this.key('relay-processes');
  }

  /** BullMQ's key prefix of one queue, tagged so that the queue's keys share a slot (BullMQ adds `:<queue>:…`). */
  bullPrefix(queue: string): string {
    return this.key(`{bull-${queue}}`);
  }

  // ── handover store (SessionsRepository) ─────────────────────────────────────────────────────────────────────

  /** Hash: one handover (state, agentName, conversationId, customer, routing, timestamps), in its id's shard. No TTL. */
  handover(handoverId: string): string {
    return this.handoverPrefix(this.shardOfId(handoverId)) + handoverId;
  }

  /** `handover(id)` without the id, for the script that learns the id of a session's handover inside Redis. */
  handoverPrefix(shard: number): string {
    return this.sharded(shard, 'handover', '');
  }

  /** Set: the ids of an endpoint's handovers in one shard that are not ended. No TTL; members leave when their handover ends. */
  liveHandovers(endpointId: string, shard: number): string {
    return this.sharded(shard, 'live-handovers', endpointId);
  }

  /** Hash: one session (userId, handoverId of its current or last handover, updatedAt, transcriptMark). No TTL. */
  sessionState(endpointId: string, sessionId: string): string {
    return this.ofSession('session', endpointId, sessionId);
  }

  /** List (JSON TimelineEntry): a session's history, the last 500 entries. No TTL. */
  timeline(endpointId: string, sessionId: string): string {
    return this.ofSession('timeline', endpointId, sessionId);
  }

  /**
   * String: the session of a user's live handover on an endpoint (`<sessionId>`), or `<sessionId>|<until ms>` while
   * a start reserves it. No TTL; deleted when the handover ends. Written by single-key scripts only.
   */
  liveUser(endpointId: string, userId: string): string {
    return this.key('live-user', endpointId, userId);
  }

  /** Sorted set of an endpoint's session ids in one shard by last update (ms). No TTL. */
  sessionIndex(endpointId: string, shard: number): string {
    return this.sharded(shard, 'sessions', endpointId);
  }

  /** Sorted set of `<kind>|<handoverId>` by due time (ms): the shard's handover timers. No TTL; members are claimed. */
  timers(shard: number): string {
    return this.sharded(shard, 'timers');
  }

  /** String: the handover of a provider conversation. 7 days (set with EX by the writer). */
  conversation(conversationId: string): string {
    return this.key('conversation', conversationId);
  }

  // ── intake de-duplication (ProviderEventIntake, HandoverService) ───────────────────────────────────────────

  /**
   * String `1`: a provider event already queued in a session, in the session's shard (the queue script sets it).
   * DEDUPE_TTL_SECONDS (24 h).
   */
  providerEventSeen(endpointId: string, sessionId: string, kind: string, providerEventId: string): string {
    return this.ofSession('dedupe-provider', endpointId, sessionId, kind, providerEventId);
  }

  /** String `1`: a bot messageId already queued in this session. DEDUPE_TTL_SECONDS (24 h), set by the queue script. */
  botMessageSeen(endpointId: string, sessionId: string, messageId: string): string {
    return this.ofSession('dedupe-bot-message', endpointId, sessionId, messageId);
  }

  // ── endpoints (EndpointsService) ────────────────────────────────────────────────────────────────────────────

  /** Hash: endpoint id → EndpointRecord JSON (secrets sealed). No TTL. */
  endpoints(): string {
    return this.key('{endpoints}', 'records');
  }

  /** Hash: SHA-256 of an API key → endpoint id. No TTL. */
  endpointApiKeys(): string {
    return this.key('{endpoints}', 'api-keys');
  }

  /** Where `endpoints()` and `endpointApiKeys()` were before they had a hash tag (read once, to move them). */
  untaggedEndpointKeys(): { records: string; apiKeys: string } {
    return { records: this.key('endpoints'), apiKeys: this.key('endpoint-api-keys') };
  }

  /** Pub/sub channel (not a key): the id of each endpoint written, so every process drops its cached copy. */
  endpointEventsChannel(): string {
    return this.key('endpoint-events');
  }

  // ── auth (AuthFailureLimiter) ───────────────────────────────────────────────────────────────────────────────

  /** String counter: failed authentications of one client IP. One minute from the first (PEXPIRE). */
  authFailures(clientIp: string): string {
    return this.key('auth-failures', clientIp);
  }

  // ── contact center (ProviderRateLimiter, providers) ─────────────────────────────────────────────────────────

  /** Sorted set: the grants of one rate-limit bucket by time (ms). Expires one window after the last grant. */
  rateLimit(bucket: string): string {
    return this.key('ratelimit', bucket);
  }

  /**
   * Hash: problems a provider reported for one endpoint (field: problem code, value: JSON { message, since,
   * lastSeen, details }), shown by the endpoint's health. A day after the last report (EXPIRE by the writer).
   */
  providerProblems(endpointId: string): string {
    return this.key('provider-problems', endpointId);
  }

  /**
   * String `1`: one piece of a split customer message that Multicloud CX already accepted, so a retry of the message
   * sends only the rest. A few hours (set with EX by the writer).
   */
  mcxSentPart(endpointId: string, messageId: string, index: number): string {
    return this.key('mcx-sent', endpointId, messageId, String(index));
  }

  // ── fleet (FleetLeases, NotificationOwners, RedisThrottlerStorage; every script here touches one key) ────────────

  /**
   * Hash { holder, token, until }: one fleet lease (`notifications:<endpointId>`, `fleet-leader`). `until` is the
   * expiry in Redis's clock (ms), `token` the fencing counter. Kept 30 days after the last renewal (PEXPIRE), so
   * that the counter never restarts while a holder could still be around.
   */
  lease(name: string): string {
    return this.key('lease', name);
  }

  /**
   * Pub/sub channel (not a key): JSON requests to the process that owns an endpoint's notifications (watch or
   * unwatch a conversation) and its answers.
   */
  notificationRequestsChannel(): string {
    return this.key('notification-requests');
  }

  /**
   * Hash { hits, blockedUntil }: one admin rate-limit bucket (throttler name and client). Lives one window from its
   * first hit, or until the block ends (PEXPIRE).
   */
  throttle(throttlerName: string, key: string): string {
    return this.key('throttle', throttlerName, key);
  }

  // ── reports (ReportStore, src/reporting; every command and script there touches one key) ──────────────────

  /** Hash: one handover's facts (report-store.ts FACT_FIELDS). Expires REPORT_RETENTION_DAYS after its last write. */
  reportFact(handoverId: string): string {
    return this.key('report', 'fact', handoverId);
  }

  /** List: one endpoint's event records of one hour (handover-records.ts). Expires the retention after the hour ends. */
  reportSlice(endpointId: string, hour: number): string {
    return this.key('report', 'ev', endpointId, String(hour));
  }

  /** Hash: an endpoint's report dimensions (`=<text>` → id, `<id>` → text, `#` the last id). The retention after its last use. */
  reportDimensions(endpointId: string): string {
    return this.key('report', 'dims', endpointId);
  }

  /** Set: the endpoint ids with report data (deleted endpoints too, until their data expires). The retention. */
  reportEndpoints(): string {
    return this.key('report', 'endpoints');
  }

  /** Set: an endpoint's handover ids in one live state (requested, queued, active). Members leave at each transition. */
  reportLive(endpointId: string, state: string): string {
    return this.key('report', 'live', endpointId, state);
  }

  /** String `<handoverId>|<endedAt ms>`: a user's (hashed id) last ended handover, for re-handovers. 24 h. */
  reportLastHandover(endpointId: string, userHash: string): string {
    return this.key('report', 'last', endpointId, userHash);
  }
}
