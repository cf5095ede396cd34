import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, ValidateIf, validateSync } from 'class-validator';

const isProduction = (env: EnvironmentVariables) => env.NODE_ENV === 'production';
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);

/**
 * Every environment variable the connector reads. Validated once at startup; nothing else reads process.env.
 * Names and defaults of PORT, REDIS_URL, ADMIN_TOKEN, PUBLIC_BASE_URL, SECRETS_KEY and EGRESS_ALLOWLIST are
 * part of the public interface.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: string = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  /**
   * Seed nodes of a Redis Cluster (`redis://host:port,redis://host:port`, `rediss://` for TLS, credentials in the
   * URLs). When set, REDIS_URL is ignored and every client (the connector's, BullMQ's, pub/sub) is a cluster client.
   */
  @IsOptional()
  @Matches(/^\s*rediss?:\/\/[^,\s]+(\s*,\s*rediss?:\/\/[^,\s]+)*\s*$/, {
    message: 'REDIS_CLUSTER_NODES must be comma-separated redis:// or rediss:// URLs',
  })
  REDIS_CLUSTER_NODES?: string;

  /** Namespace of every Redis key this process writes (BullMQ included); lets several installs share one Redis. */
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'REDIS_PREFIX must be 1-64 letters, digits, "-" or "_"' })
  REDIS_PREFIX: string = 'hc';

  @ValidateIf((env: EnvironmentVariables) => isProduction(env) || env.ADMIN_TOKEN !== undefined)
  @IsString()
  @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  ADMIN_TOKEN?: string;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PUBLIC_BASE_URL: string = 'http://localhost:3000';

  @ValidateIf((env: EnvironmentVariables) => isProduction(env) || env.SECRETS_KEY !== undefined)
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'SECRETS_KEY must be 32 random bytes in base64 (openssl rand -base64 32)',
  })
  SECRETS_KEY?: string;

  @IsOptional()
  @IsString()
  EGRESS_ALLOWLIST: string = '';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsString()
  ENDPOINTS_FILE: string = 'config/endpoints.yaml';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  WEBHOOK_SECRET_GRACE_SECONDS: number = 86400;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  WORKER_CONCURRENCY: number = 64;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  DELIVERY_ATTEMPTS: number = 10;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  DELIVERY_BACKOFF_MS: number = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  HTTP_TIMEOUT_MS: number = 10000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  ADMIN_RATE_LIMIT_PER_MINUTE: number = 600;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUTH_FAILURES_PER_MINUTE: number = 20;

  /** After an agent leaves without a transfer, how long to wait for another agent before ending the handover. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  AGENT_LEFT_GRACE_MS: number = 10000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  SHUTDOWN_GRACE_MS: number = 25000;

  /** Tell the contact center when an agent's message reached the bot (one API call per message). Failed receipts are always sent. */
  @IsIn(['true', 'false'])
  DELIVERED_RECEIPTS: string = 'true';

  /** How long handover facts (the reports API's data) are kept before Redis expires them. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  REPORT_RETENTION_DAYS: number = 90;
}

export class ConfigError extends Error {}

/** Validates raw environment values; throws a ConfigError whose message is one line naming the variable. */
export function validateEnvironment(raw: Record<string, string | undefined>): EnvironmentVariables {
  const known = new Set([...Object.keys(new EnvironmentVariables()), 'ADMIN_TOKEN', 'SECRETS_KEY']);
  const present = Object.fromEntries(Object.entries(raw).filter(([key, value]) => known.has(key) && value !== undefined && value !== ''));
  const env = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    const first = errors[0];
    const reason = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    const detail = reason.startsWith(first.property) ? reason : `${first.property} ${reason}`;
    const missing = first.value === undefined ? ` (${first.property} is required when NODE_ENV=production)` : '';
    throw new ConfigError(`Invalid configuration: ${detail}${missing}`);
  }
  return env;
}
