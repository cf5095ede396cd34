/**
 * Every Redis key the connector writes, in one place: `<prefix>:<shape…>` (REDIS_PREFIX, default `hc`), one method
 * per shape, grouped by the class that owns it. Each says the data type and how long it lives. The strings are
 * the ones already in Redis: never change one without migrating the data (and BullMQ's jobs).
 *
 * Ready for hash tags: every key that belongs to one session builds its session part with `session()`
 * (`<endpointId>:<sessionId>`). A Redis Cluster layout would wrap that part in `{…}` there, so that a session's
 * keys share a slot; that changes the strings (a migration), and the scripts that also touch a global key
 * (`mbox-active`, `timers`, the indexes, `handover:<id>`) would have to move those writes out first.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** The part of a key that names one session: the one place to add a hash tag. */
  private session(endpointId: string, sessionId: string): string {
    return `${endpointId}:${sessionId}`;
  }

  // ── relay (SessionMailbox, the only writer of mailbox keys) ────────────────────────────────────────────────

  /** List: one session's ordered entries on one lane (raw entries, see parseEntry). No TTL; empty means gone. */
  mailbox(lane: string, endpointId: string, sessionId: string): string {
    return this.key('mbox', lane, this.session(endpointId, sessionId));
  }

  /** String: the id of the drain job that owns the mailbox. No TTL; deleted when the owner releases it empty. */
  mailboxOwner(lane: string, endpointId: string, sessionId: string): string {
    return this.key('mbox-owner', lane, this.session(endpointId, sessionId));
  }

  /** Set of `<endpointId>/<sessionId>`: the lane's mailboxes that have an owner (what the sweep looks at). No TTL. */
  mailboxesActive(lane: string): string {
    return this.key('mbox-active', lane);
  }

  /** String (JSON DeadLetter): one dead-lettered entry. No TTL; deleted by a replay. */
  deadLetter(id: string): string {
    return this.key('dead-letter', id);
  }

  /** Sorted set of dead-letter ids by failure time (ms), of one endpoint. No TTL. */
  deadLettersOf(endpointId: string): string {
    return this.key('dead-letters', endpointId);
  }

  /** Sorted set of every dead-letter id by failure time (ms). No TTL. */
  deadLetters(): string {
    return this.key('dead-letters');
  }

  /** BullMQ's key prefix (BullMQ adds `:<queue>:…`; its keys and TTLs are BullMQ's, set in relay.module.ts). */
  bullPrefix(): string {
    return this.key('bull');
  }

  // ── handover store (SessionsRepository) ─────────────────────────────────────────────────────────────────────

  /** Hash: one handover (state, agentName, conversationId, customer, routing, timestamps). No TTL. */
  handover(handoverId: string): string {
    return this.handoverPrefix() + handoverId;
  }

  /** `handover(id)` without the id, for the script that learns the id of a session's handover inside Redis. */
  handoverPrefix(): string {
    return this.key('handover', '');
  }

  /** Hash: one session (userId, handoverId of its current or last handover, updatedAt, transcriptMark). No TTL. */
  sessionState(endpointId: string, sessionId: string): string {
    return this.key('session', this.session(endpointId, sessionId));
  }

  /** List (JSON TimelineEntry): a session's history, the last 500 entries. No TTL. */
  timeline(endpointId: string, sessionId: string): string {
    return this.key('timeline', this.session(endpointId, sessionId));
  }

  /** String: the session of a user's live handover on an endpoint. No TTL; deleted when the handover ends. */
  liveUser(endpointId: string, userId: string): string {
    return this.key('live-user', endpointId, userId);
  }

  /** SCAN pattern of every `liveUser` key, or of one endpoint's (endpoint ids hold no glob characters). */
  liveUserPattern(endpointId?: string): string {
    return `${endpointId === undefined ? this.key('live-user', '') : this.key('live-user', endpointId, '')}*`;
  }

  /** The endpoint id in a `liveUser` key. */
  endpointOfLiveUser(liveUserKey: string): string {
    return liveUserKey.slice(this.key('live-user', '').length).split(':')[0];
  }

  /** Sorted set of an endpoint's session ids by last update (ms). No TTL. */
  sessionIndex(endpointId: string): string {
    return this.key('sessions', endpointId);
  }

  /** Sorted set of `<kind>|<handoverId>` by due time (ms): every handover timer. No TTL; members are claimed. */
  timers(): string {
    return this.key('timers');
  }

  /** String: the handover of a provider conversation. 7 days (set with EX by the writer). */
  conversation(conversationId: string): string {
    return this.key('conversation', conversationId);
  }

  // ── intake de-duplication (ProviderEventIntake, HandoverService) ───────────────────────────────────────────

  /** String `1`: a provider event already queued. DEDUPE_TTL_SECONDS (24 h), set by the queue script. */
  providerEventSeen(endpointId: string, kind: string, providerEventId: string): string {
    return this.key('dedupe', 'provider', endpointId, kind, providerEventId);
  }

  /** String `1`: a bot messageId already queued in this session. DEDUPE_TTL_SECONDS (24 h), set by the queue script. */
  botMessageSeen(endpointId: string, sessionId: string, messageId: string): string {
    return this.key('dedupe', 'bot-message', this.session(endpointId, sessionId), messageId);
  }

  // ── endpoints (EndpointsService) ────────────────────────────────────────────────────────────────────────────

  /** Hash: endpoint id → EndpointRecord JSON (secrets sealed). No TTL. */
  endpoints(): string {
    return this.key('endpoints');
  }

  /** Hash: SHA-256 of an API key → endpoint id. No TTL. */
  endpointApiKeys(): string {
    return this.key('endpoint-api-keys');
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
