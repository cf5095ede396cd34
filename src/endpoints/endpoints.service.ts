import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException, OnModuleInit } from '@nestjs/common';
import { SecretBox } from '../infrastructure/crypto/secret-box';
import { constantTimeEqual, newApiKey, sha256Hex } from '../infrastructure/crypto/tokens';
import { EgressPolicy } from '../infrastructure/http/egress-policy';
import { AppConfig } from '../config/app-config';
import { defineScript } from '../infrastructure/redis/redis-script';
import { RedisService } from '../infrastructure/redis/redis.service';
import type { EndpointSpec } from './dto/endpoint-spec.dto';
import { EndpointRecord, EndpointRecords } from './endpoint-record';
import { EndpointSpecError, parseEndpointSpec } from './endpoint-spec.validation';
import type { Endpoint } from './endpoint.model';
import { isPlainObject, mergePatch } from './merge-patch';
import { PROVIDER_DEFINITIONS, ProviderCatalog, type ProviderDefinition } from './provider-definition';

export type ApiKeyCheck = 'ok' | 'other-endpoint' | 'invalid';
export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

interface CachedEndpoint {
  endpoint: Endpoint;
  apiKeyHash: string;
}

const MAX_WRITE_ATTEMPTS = 5;

/**
 * Compare-and-set of one endpoint record, its API-key index entry and the change notification, in one step.
 * `expected` '' = the record must not exist, `next` '' = delete it; key hashes '' = none.
 * Returns 1 when written, 0 when the record is not the expected one, -1 when the new key belongs to another endpoint.
 */
const WRITE_RECORD = defineScript({
  name: 'endpoint-write-record',
  keys: ['records', 'apiKeyIndex'],
  args: ['id', 'expected', 'next', 'oldKeyHash', 'newKeyHash', 'channel'],
  lua: `
if (redis.call('HGET', K.records, A.id) or '') ~= A.expected then return 0 end
if A.newKeyHash ~= '' then
  local owner = redis.call('HGET', K.apiKeyIndex, A.newKeyHash)
  if owner and owner ~= A.id then return -1 end
end
if A.next == '' then redis.call('HDEL', K.records, A.id) else redis.call('HSET', K.records, A.id, A.next) end
if A.oldKeyHash ~= A.newKeyHash and A.oldKeyHash ~= '' then redis.call('HDEL', K.apiKeyIndex, A.oldKeyHash) end
if A.newKeyHash ~= '' then redis.call('HSET', K.apiKeyIndex, A.newKeyHash, A.id) end
redis.call('PUBLISH', A.channel, A.id)
return 1
`,
});

/**
 * The endpoint registry. Endpoints live in one Redis hash (id → EndpointRecord JSON) next to an index of API-key
 * hashes; every write is one atomic compare-and-set. Reads go through an in-process cache of decrypted endpoints
 * (the webhook and bot API read an endpoint per request), dropped on every write, here or in another process
 * (Redis pub/sub), and bypassed while the change feed is disconnected.
 */
@Injectable()
export class EndpointsService implements OnModuleInit {
  private readonly records: EndpointRecords;
  private readonly egress: EgressPolicy;
  private readonly recordsKey: string;
  private readonly apiKeyIndexKey: string;
  private readonly eventsChannel: string;
  private readonly cache = new Map<string, CachedEndpoint>();
  /** Bumped on every invalidation, so a read that raced with a write does not cache what it read. */
  private cacheGeneration = 0;
  private caching = false;

  /** Every provider's settings definition, by `provider.type`. */
  readonly providers: ProviderCatalog;

  constructor(
    private readonly redis: RedisService,
    config: AppConfig,
    @Inject(PROVIDER_DEFINITIONS) definitions: ProviderDefinition[],
  ) {
    this.providers = new ProviderCatalog(definitions);
    this.records = new EndpointRecords(new SecretBox(config.secretsKey), this.providers, config.webhookSecretGraceSeconds * 1000);
    this.egress = new EgressPolicy(config.egressAllowlist);
    this.recordsKey = redis.keys.endpoints();
    this.apiKeyIndexKey = redis.keys.endpointApiKeys();
    this.eventsChannel = redis.keys.endpointEventsChannel();
  }

  async onModuleInit(): Promise<void> {
    await this.moveUntaggedKeys();
    const subscriber = this.redis.duplicate('endpoint-events');
    subscriber.on('message', (_channel: string, id: string) => this.forget(id));
    subscriber.on('close', () => this.setCaching(false));
    // After every (re)connection: subscribe, then cache again from scratch (changes may have been missed meanwhile).
    subscriber.on('ready', () => {
      subscriber.subscribe(this.eventsChannel).then(
        () => this.setCaching(true),
        () => undefined,
      );
    });
    await subscriber.subscribe(this.eventsChannel);
  }

  /**
   * Endpoints written by a version before the hash-tagged layout (on a plain Redis: such a version could not run on a
   * cluster) move to the tagged keys, once; a replica booting at the same time finds them moved.
   */
  private async moveUntaggedKeys(): Promise<void> {
    const untagged = this.redis.keys.untaggedEndpointKeys();
    for (const [from, to] of [
      [untagged.records, this.recordsKey],
      [untagged.apiKeys, this.apiKeyIndexKey],
    ]) {
      if ((await this.redis.client.exists(from)) === 0) continue;
      await this.redis.client.renamenx(from, to).catch((err: Error) => {
        if (!/no such key/i.test(err.message)) throw err;
      });
    }
  }

  async find(id: string): Promise<Endpoint | undefined> {
    return (await this.load(id))?.endpoint;
  }

  async get(id: string): Promise<Endpoint> {
    const endpoint = await this.find(id);
    if (!endpoint) throw notFound(id);
    return endpoint;
  }

  async list(): Promise<Endpoint[]> {
    const all = await this.redis.client.hgetall(this.recordsKey);
    return Object.keys(all)
      .sort()
      .map((id) => this.decode(id, all[id]).endpoint);
  }

  /** Validates an endpoint description (admin API body or endpoints-file entry); `path` prefixes field names. */
  parse(input: unknown, path = ''): EndpointSpec {
    return parseEndpointSpec(input, this.egress, this.providers, path);
  }

  async create(input: unknown): Promise<{ endpoint: Endpoint; apiKey: string }> {
    const spec = this.parseOrReject(input);
    const id = spec.id ?? randomUUID();
    const apiKey = newApiKey();
    const record = await this.transact(id, (current) => {
      if (current) throw new ConflictException(`Endpoint ${id} already exists`);
      return this.records.create(id, { ...spec, id }, sha256Hex(apiKey));
    });
    return { endpoint: this.records.toEndpoint(id, record), apiKey };
  }

  /** Applies a JSON merge patch (`null` removes a field) and validates the merged endpoint. */
  async update(id: string, patch: unknown): Promise<Endpoint> {
    if (!isPlainObject(patch)) throw new BadRequestException(['body must be an object']);
    if (patch.id != null && patch.id !== id) throw new BadRequestException(['id cannot be changed']);
    const record = await this.transact(id, (current) => {
      if (!current) throw notFound(id);
      const spec = this.parseOrReject(mergePatch(this.records.openSpec(id, current), { ...patch, id }));
      return this.records.revise(id, current, spec);
    });
    return this.records.toEndpoint(id, record);
  }

  /**
   * Creates or replaces an endpoint from a declarative description (the endpoints file). The API key is kept
   * unless `apiKey` is given; a new endpoint without one gets a random key (to be rotated through the admin API).
   */
  async upsert(spec: EndpointSpec & { id: string }, options: { apiKey?: string } = {}): Promise<UpsertOutcome> {
    const { id } = spec;
    const wanted = this.parseOrReject(spec);
    const givenKeyHash = options.apiKey === undefined ? undefined : sha256Hex(options.apiKey);
    let outcome: UpsertOutcome = 'unchanged';
    await this.transact(id, (current) => {
      if (!current) {
        outcome = 'created';
        return this.records.create(id, wanted, givenKeyHash ?? sha256Hex(newApiKey()));
      }
      const apiKeyHash = givenKeyHash ?? current.apiKeyHash;
      if (this.records.isUnchanged(id, current, wanted, apiKeyHash)) {
        outcome = 'unchanged';
        return current;
      }
      outcome = 'updated';
      return this.records.revise(id, current, wanted, apiKeyHash);
    });
    return outcome;
  }

  async remove(id: string): Promise<void> {
    await this.transact(id, (current) => {
      if (!current) throw notFound(id);
      return undefined;
    });
  }

  /** Replaces the endpoint's API key; the old one stops working. Returns the new key (never stored in clear). */
  async rotateApiKey(id: string): Promise<string> {
    const apiKey = newApiKey();
    await this.transact(id, (current) => {
      if (!current) throw notFound(id);
      return { ...current, apiKeyHash: sha256Hex(apiKey), updatedAt: new Date().toISOString() };
    });
    return apiKey;
  }

  /** Whether `presentedKey` is this endpoint's API key, another endpoint's, or nobody's. */
  async authenticateApiKey(endpointId: string, presentedKey: string): Promise<ApiKeyCheck> {
    const presentedHash = sha256Hex(presentedKey);
    const cached = await this.load(endpointId);
    if (cached && constantTimeEqual(cached.apiKeyHash, presentedHash)) return 'ok';
    // The index is the source of truth when the cached endpoint is a moment behind a rotation.
    const owner = await this.redis.client.hget(this.apiKeyIndexKey, presentedHash);
    if (owner === null) return 'invalid';
    return owner === endpointId ? 'ok' : 'other-endpoint';
  }

  /** The webhook secrets a Genesys signature may be made with: the current one, then the rotated-out one in its grace period. */
  webhookSecrets(endpoint: Endpoint, now = Date.now()): string[] {
    const previous = endpoint.provider.previousWebhookSecret;
    return previous && previous.validUntil > now ? [endpoint.provider.webhookSecret, previous.secret] : [endpoint.provider.webhookSecret];
  }

  private parseOrReject(input: unknown): EndpointSpec {
    try {
      return this.parse(input);
    } catch (err) {
      if (err instanceof EndpointSpecError) throw new BadRequestException(err.problems);
      throw err;
    }
  }

  private async load(id: string): Promise<CachedEndpoint | undefined> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const generation = this.cacheGeneration;
    const raw = await this.redis.client.hget(this.recordsKey, id);
    if (raw === null) return undefined;
    const entry = this.decode(id, raw);
    if (this.caching && generation === this.cacheGeneration) this.cache.set(id, entry);
    return entry;
  }

  private decode(id: string, raw: string): CachedEndpoint {
    const record = JSON.parse(raw) as EndpointRecord;
    try {
      return { endpoint: this.records.toEndpoint(id, record), apiKeyHash: record.apiKeyHash };
    } catch (err) {
      throw new Error(`Endpoint ${id}: its secrets do not decrypt (was SECRETS_KEY changed?): ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Reads the record, lets `change` compute its successor (undefined deletes it; returning `current` itself
   * writes nothing), and stores it only if nobody wrote in between; otherwise starts over.
   */
  private async transact<Next extends EndpointRecord | undefined>(
    id: string,
    change: (current: EndpointRecord | undefined) => Next,
  ): Promise<Next> {
    for (let attempt = 1; ; attempt++) {
      const raw = (await this.redis.client.hget(this.recordsKey, id)) ?? '';
      const current = raw ? (JSON.parse(raw) as EndpointRecord) : undefined;
      const next = change(current);
      if (next !== undefined && next === current) return next;

      const written = await this.redis.run(WRITE_RECORD, {
        keys: { records: this.recordsKey, apiKeyIndex: this.apiKeyIndexKey },
        args: {
          id,
          expected: raw,
          next: next ? JSON.stringify(next) : '',
          oldKeyHash: current?.apiKeyHash ?? '',
          newKeyHash: next?.apiKeyHash ?? '',
          channel: this.eventsChannel,
        },
      });
      if (written === 1) {
        this.forget(id);
        return next;
      }
      if (written === -1) throw new ConflictException(`The API key of endpoint ${id} is already used by another endpoint`);
      if (attempt >= MAX_WRITE_ATTEMPTS) throw new ConflictException(`Endpoint ${id} is being changed concurrently; retry`);
    }
  }

  private forget(id: string): void {
    this.cacheGeneration++;
    this.cache.delete(id);
  }

  private setCaching(enabled: boolean): void {
    this.cacheGeneration++;
    this.cache.clear();
    this.caching = enabled;
  }
}

function notFound(id: string): NotFoundException {
  return new NotFoundException(`Endpoint ${id} not found`);
}
