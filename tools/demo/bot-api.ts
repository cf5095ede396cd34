import type { TimelineDraft } from './demo-events';
import { quote } from './timeline';

export class BotApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The connector's bot API as the demo bot calls it (what a bot platform's Handover node does). */
export class BotApi {
  constructor(
    private readonly connectorUrl: string,
    private readonly endpointId: string,
    private readonly apiKey: string,
    private readonly onHop: (hop: TimelineDraft) => void,
  ) {}

  startHandover(body: Record<string, unknown>): Promise<void> {
    return this.post('/handovers', body, 'start handover');
  }

  sendMessage(sessionId: string, body: { messageId: string; text: string }): Promise<void> {
    return this.post(`/sessions/${encodeURIComponent(sessionId)}/messages`, body, `user message ${quote(body.text)}`);
  }

  typing(sessionId: string): Promise<void> {
    return this.post(`/sessions/${encodeURIComponent(sessionId)}/typing`, {}, 'user typing');
  }

  release(sessionId: string): Promise<void> {
    return this.post(`/sessions/${encodeURIComponent(sessionId)}/release`, {}, 'release the handover');
  }

  private async post(path: string, body: object, what: string): Promise<void> {
    const at = new Date().toISOString();
    const hop = (summary: string, outcome: TimelineDraft['outcome']) =>
      this.onHop({ at, from: 'bot', to: 'connector', channel: 'bot API', summary: `${what}: POST ${path} ${summary}`, outcome });
    let response: Response;
    try {
      response = await fetch(`${this.connectorUrl}/v1/endpoints/${this.endpointId}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (err) {
      hop('→ no answer', 'error');
      throw new BotApiError(0, `the connector did not answer: ${(err as Error).message}`);
    }
    hop(`→ ${response.status}`, response.ok ? 'ok' : 'error');
    if (!response.ok) {
      const problem = (await response.json().catch(() => ({}))) as { message?: unknown };
      const message = Array.isArray(problem.message) ? problem.message.join('; ') : String(problem.message ?? response.statusText);
      throw new BotApiError(response.status, message);
    }
  }
}
