import { createHash } from 'node:crypto';
import { EnvironmentVariables, validateEnvironment } from './environment';

const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';

/** The validated, typed configuration of one process. Injected wherever configuration is needed. */
export class AppConfig {
  readonly nodeEnv: string;
  readonly port: number;
  readonly redisUrl: string;
  /** Seed URLs of a Redis Cluster (REDIS_CLUSTER_NODES); empty for a single Redis at `redisUrl`. */
  readonly redisClusterNodes: string[];
  readonly redisPrefix: string;
  readonly adminToken: string;
  readonly publicBaseUrl: string;
  readonly secretsKey: Buffer;
  readonly egressAllowlist: string[];
  readonly logLevel: string;
  readonly endpointsFile: string;
  readonly webhookSecretGraceSeconds: number;
  readonly workerConcurrency: number;
  readonly deliveryAttempts: number;
  readonly deliveryBackoffMs: number;
  readonly httpTimeoutMs: number;
  readonly adminRateLimitPerMinute: number;
  readonly authFailuresPerMinute: number;
  readonly shutdownGraceMs: number;
  readonly agentLeftGraceMs: number;
  readonly deliveredReceipts: boolean;
  readonly reportRetentionDays: number;
  /** Development-only defaults that were used because a variable was not set; logged once at startup. */
  readonly insecureDefaults: string[] = [];

  constructor(env: EnvironmentVariables) {
    this.nodeEnv = env.NODE_ENV;
    this.port = env.PORT;
    this.redisUrl = env.REDIS_URL;
    this.redisClusterNodes = (env.REDIS_CLUSTER_NODES ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    this.redisPrefix = env.REDIS_PREFIX;
    this.publicBaseUrl = env.PUBLIC_BASE_URL.replace(/\/+$/, '');
    this.egressAllowlist = env.EGRESS_ALLOWLIST.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    this.logLevel = env.LOG_LEVEL;
    this.endpointsFile = env.ENDPOINTS_FILE;
    this.webhookSecretGraceSeconds = env.WEBHOOK_SECRET_GRACE_SECONDS;
    this.workerConcurrency = env.WORKER_CONCURRENCY;
    this.deliveryAttempts = env.DELIVERY_ATTEMPTS;
    this.deliveryBackoffMs = env.DELIVERY_BACKOFF_MS;
    this.httpTimeoutMs = env.HTTP_TIMEOUT_MS;
    this.adminRateLimitPerMinute = env.ADMIN_RATE_LIMIT_PER_MINUTE;
    this.authFailuresPerMinute = env.AUTH_FAILURES_PER_MINUTE;
    this.shutdownGraceMs = env.SHUTDOWN_GRACE_MS;
    this.agentLeftGraceMs = env.AGENT_LEFT_GRACE_MS;
    this.deliveredReceipts = env.DELIVERED_RECEIPTS === 'true';
    this.reportRetentionDays = env.REPORT_RETENTION_DAYS;

    if (env.ADMIN_TOKEN) {
      this.adminToken = env.ADMIN_TOKEN;
    } else {
      this.adminToken = DEV_ADMIN_TOKEN;
      this.insecureDefaults.push('ADMIN_TOKEN');
    }
    if (env.SECRETS_KEY) {
      this.secretsKey = Buffer.from(env.SECRETS_KEY, 'base64');
    } else {
      // Deterministic so that a development Redis stays readable across restarts; never used in production.
      this.secretsKey = createHash('sha256').update('handover-connector insecure development key').digest();
      this.insecureDefaults.push('SECRETS_KEY');
    }
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }

  static fromEnvironment(raw: Record<string, string | undefined> = process.env): AppConfig {
    return new AppConfig(validateEnvironment(raw));
  }
}
