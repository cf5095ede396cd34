export interface NotificationOptions {
  /**
   * Genesys keeps 20 channels per user/app combination and silently drops the oldest past it: a process opens no
   * channel when the OAuth client already has this many minus one (one stays free for a renewal's overlap).
   */
  maxChannelsPerClient: number;
  /** Genesys allows 1,000 topics per channel. */
  topicsPerChannel: number;
  /** No frame (heartbeat or event) for this long means the socket is dead. Genesys sends a heartbeat every 30 s. */
  heartbeatTimeoutMs: number;
  /** Channels live 24 h: replace each one this long after it was created. */
  renewAfterMs: number;
  /** Reconnect backoff (full jitter) bounds. */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** Subscription changes arriving within this window are sent as one update. */
  batchDelayMs: number;
  handshakeTimeoutMs: number;
  /** How often conversations that found no channel (the client has all it may have) try again. */
  pendingRetryMs: number;
}

export const GENESYS_NOTIFICATION_OPTIONS = Symbol('GENESYS_NOTIFICATION_OPTIONS');

export const DEFAULT_NOTIFICATION_OPTIONS: NotificationOptions = {
  maxChannelsPerClient: 20,
  topicsPerChannel: 1000,
  heartbeatTimeoutMs: 75_000,
  renewAfterMs: 23 * 60 * 60 * 1000,
  reconnectBaseMs: 500,
  reconnectMaxMs: 30_000,
  batchDelayMs: 25,
  handshakeTimeoutMs: 10_000,
  pendingRetryMs: 60_000,
};

/** The fleet lease (FleetLeases) whose holder owns an endpoint's notification channels. */
export const notificationLease = (endpointId: string) => `notifications:${endpointId}`;
