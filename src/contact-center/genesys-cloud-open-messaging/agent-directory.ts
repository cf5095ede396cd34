import { Injectable } from '@nestjs/common';
import { GenesysApiClient, GenesysEndpoint } from './genesys-api-client';

const TTL_MS = 60 * 60 * 1000;
const MAX_ENTRIES = 10_000;

/** Agent display names (`GET /api/v2/users/{id}`), cached; best effort: a failed lookup gives no name. */
@Injectable()
export class AgentDirectory {
  private readonly names = new Map<string, { name?: string; expiresAt: number }>();

  constructor(private readonly api: GenesysApiClient) {}

  async name(endpoint: GenesysEndpoint, userId: string): Promise<string | undefined> {
    const key = `${endpoint.provider.apiBaseUrl}|${userId}`;
    const cached = this.names.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.name;
    try {
      const user = await this.api.json<{ name?: unknown }>(endpoint, {
        method: 'GET',
        path: `/api/v2/users/${encodeURIComponent(userId)}`,
        operation: 'user lookup',
        maxAttempts: 1,
      });
      const name = typeof user?.name === 'string' && user.name ? user.name : undefined;
      if (this.names.size >= MAX_ENTRIES) this.names.delete(this.names.keys().next().value!);
      this.names.set(key, { name, expiresAt: Date.now() + TTL_MS });
      return name;
    } catch {
      return undefined;
    }
  }
}
