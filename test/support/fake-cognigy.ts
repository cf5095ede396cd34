import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { routeInput, type RouteResult, type RouterConfig } from '../../integrations/cognigy/src';
import { fakeCognigy } from '../../integrations/cognigy/test/support/fake-cognigy';

export interface CognigyRequest {
  api: 'notify' | 'inject';
  /** The URLToken: from the path (Endpoint form) or the body (REST API form). */
  urlToken?: string;
  apiKey?: string;
  body: { userId: string; sessionId: string; text?: string; data?: { handover?: { type: string; status?: string } }; URLToken?: string };
}

/** What the user of one session saw, and which branch the Flow's Handover router took on each run. */
export interface FlowSession {
  context: Record<string, unknown>;
  said: string[];
  branches: RouteResult[];
}

/**
 * A stand-in for a Cognigy.AI installation: its Endpoint's Notify and Inject URLs (`/notify/:urlToken`,
 * `/inject/:urlToken`) and the REST API's (`/new/v2.0/endpoint/{notify,inject}` with X-API-Key). Notify shows the
 * text to the user; Inject runs the Flow, as Cognigy would: here the extension's Handover router function, with the
 * session's context kept between runs. `failNext` answers 503 to the next requests, to see the connector retry.
 */
export class FakeCognigy {
  readonly requests: CognigyRequest[] = [];
  readonly sessions = new Map<string, FlowSession>();
  private failures = 0;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly apiKey: string,
    /** The Handover router node's settings in the Flow (its connection is known once the connector runs). */
    public router: RouterConfig,
  ) {}

  static async start(options: { apiKey?: string; router?: RouterConfig } = {}): Promise<FakeCognigy> {
    let fake: FakeCognigy | undefined;
    const server = http.createServer((req, res) => fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeCognigy(server, `http://127.0.0.1:${port}`, options.apiKey ?? 'cognigy-api-key-0123456789', options.router ?? {});
    return fake;
  }

  failNext(count: number): void {
    this.failures = count;
  }

  session(sessionId: string): FlowSession {
    let session = this.sessions.get(sessionId);
    if (!session) {
      session = { context: {}, said: [], branches: [] };
      this.sessions.set(sessionId, session);
    }
    return session;
  }

  /** Runs the Flow's router on one input of the session (a user's message, or an injected event), as Cognigy would. */
  async runFlow(input: { sessionId: string; userId: string; text?: string; data?: Record<string, unknown> }): Promise<RouteResult> {
    const session = this.session(input.sessionId);
    const flow = fakeCognigy({ input: { inputId: `in-${randomUUID()}`, text: '', data: {}, ...input }, context: session.context });
    const result = await routeInput(flow.input, flow.context, flow.cognigy.api as never, this.router);
    session.context = flow.context;
    session.said.push(...flow.callsOf('say').map((c) => String(c.args[0] ?? '')));
    session.branches.push(result);
    return result;
  }

  eventTypes(sessionId: string): string[] {
    return this.requests.filter((r) => r.body.sessionId === sessionId).map((r) => r.body.data?.handover?.type ?? '?');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void this.answer(req, Buffer.concat(chunks).toString('utf8')).then(([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
  }

  private async answer(req: http.IncomingMessage, raw: string): Promise<[number, unknown]> {
    const endpointForm = /^\/(notify|inject)\/([^/]+)$/.exec(req.url ?? '');
    const restForm = /^\/new\/v2\.0\/endpoint\/(notify|inject)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !(endpointForm || restForm)) return [404, { error: 'not found' }];
    const apiKey = req.headers['x-api-key'] as string | undefined;
    if (restForm && apiKey !== this.apiKey) return [401, { error: 'bad api key' }];
    if (this.failures > 0) {
      this.failures--;
      return [503, { error: 'try later' }];
    }
    const body = JSON.parse(raw) as CognigyRequest['body'];
    const api = (endpointForm?.[1] ?? restForm?.[1]) as CognigyRequest['api'];
    this.requests.push({ api, urlToken: endpointForm?.[2] ?? body.URLToken, apiKey, body });
    if (api === 'notify') {
      if (body.text) this.session(body.sessionId).said.push(body.text);
    } else {
      await this.runFlow({ sessionId: body.sessionId, userId: body.userId, text: body.text ?? '', data: body.data });
    }
    return [200, {}];
  }
}
