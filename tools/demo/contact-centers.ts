import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_QUEUE_ID, GenesysEmulator } from '../emulators/genesys-cloud';
import { McxEmulator } from '../emulators/genesys-multicloud-cx';

/** The contact centers the demo can run against (`npm run demo -- --provider <type>`, or DEMO_PROVIDER). */
export const DEMO_PROVIDERS = ['genesys-cloud-open-messaging', 'genesys-multicloud-cx'] as const;
export type DemoProvider = (typeof DEMO_PROVIDERS)[number];

const CONFIG = join(__dirname, '..', '..', 'config');

/** What the playground page is told about the contact center (labels, and which desk actions it offers). */
export interface ProviderInfo {
  type: DemoProvider;
  label: string;
  /** How the connector's calls to it show in the timeline. */
  apiChannel: string;
  desk: { typing: boolean; attachments: boolean };
}

/** One emulated contact center, wired for the demo's one endpoint (`demo`). */
export interface DemoContactCenter {
  info: ProviderInfo;
  emulatorUrl: string;
  /** The connector's ENDPOINTS_FILE and the `${NAME}` values it refers to. */
  endpointsFile: string;
  seedEnv: Record<string, string>;
  /** The agent desk's state (conversations, queue). */
  desk(): { conversations: unknown[]; routing: { queueName: string } };
  /** What an admin does at the contact center: point it at the endpoint's URLs. */
  connect(connectorUrl: string, endpointId: string): void;
  close(): Promise<void>;
}

const secret = (bytes = 24) => randomBytes(bytes).toString('base64url');

async function genesysCloud(port: number, host: string): Promise<DemoContactCenter> {
  const clientId = 'demo-connector';
  const integrationId = '0d3e5f00-0000-4000-8000-00000000de40';
  const secrets = { clientSecret: secret(), webhookSecret: secret() };
  const emulator = await GenesysEmulator.start({
    port,
    host,
    webhookRetryDelayMs: 1000,
    oauthClients: [{ clientId, clientSecret: secrets.clientSecret }],
    routing: { queueName: 'Support', estimatedWaitSeconds: 45 },
  });
  return {
    info: {
      type: 'genesys-cloud-open-messaging',
      label: 'Genesys Cloud',
      apiChannel: 'Open Messaging API',
      desk: { typing: true, attachments: true },
    },
    emulatorUrl: emulator.url,
    endpointsFile: join(CONFIG, 'demo-endpoints.yaml'),
    seedEnv: {
      DEMO_GENESYS_URL: emulator.url,
      DEMO_GENESYS_CLIENT_ID: clientId,
      DEMO_GENESYS_CLIENT_SECRET: secrets.clientSecret,
      DEMO_GENESYS_INTEGRATION_ID: integrationId,
      DEMO_GENESYS_QUEUE_ID: DEFAULT_QUEUE_ID,
      DEMO_GENESYS_WEBHOOK_SECRET: secrets.webhookSecret,
    },
    desk: () => {
      const { conversations, routing } = emulator.state();
      return { conversations, routing };
    },
    connect: (connectorUrl, endpointId) => {
      // The Open Messaging integration's Outbound Notification Webhook URL is the endpoint's Config URL.
      emulator.addIntegration({
        id: integrationId,
        name: 'handover-connector demo',
        webhookUrl: `${connectorUrl}/webhooks/genesys/${endpointId}`,
        webhookSecret: secrets.webhookSecret,
      });
    },
    close: () => emulator.close(),
  };
}

async function multicloudCx(port: number, host: string): Promise<DemoContactCenter> {
  const channel = { channelId: '0123456789', ccid: '0ff723ff-6c6f-44e0-9ce3-ce579337eadd' };
  const secrets = { channelSecret: secret(), apiKey: secret(), routingToken: secret(32) };
  const emulator = await McxEmulator.start({ port, host, webhookRetryDelayMs: 1000 });
  return {
    info: {
      type: 'genesys-multicloud-cx',
      label: 'Genesys Multicloud CX',
      apiChannel: 'Third-Party Messaging API',
      desk: { typing: false, attachments: false },
    },
    emulatorUrl: emulator.url,
    endpointsFile: join(CONFIG, 'demo-endpoints-mcx.yaml'),
    seedEnv: {
      DEMO_MCX_API_BASE_URL: emulator.apiBaseUrl,
      DEMO_MCX_CCID: channel.ccid,
      DEMO_MCX_CHANNEL_ID: channel.channelId,
      DEMO_MCX_CHANNEL_SECRET: secrets.channelSecret,
      DEMO_MCX_API_KEY: secrets.apiKey,
      DEMO_MCX_ROUTING_TOKEN: secrets.routingToken,
    },
    desk: () => emulator.desk(),
    connect: (connectorUrl, endpointId) => {
      // What Genesys provisions: the channel's webhook (the endpoint's configUrl), the Interactions webhook, and the
      // Designer application's HTTP REST block calling routing-context.
      const base = `${connectorUrl}/webhooks/genesys-mcx/${endpointId}`;
      emulator.addChannel({
        ...channel,
        name: 'handover-connector demo',
        requestSecret: secrets.channelSecret,
        apiKey: secrets.apiKey,
        webhookUrl: base,
        interactionsWebhookUrl: `${base}/interactions`,
        routingUrl: `${base}/routing-context`,
        routingToken: secrets.routingToken,
      });
    },
    close: () => emulator.close(),
  };
}

export function startContactCenter(provider: DemoProvider, port: number, host: string): Promise<DemoContactCenter> {
  return provider === 'genesys-multicloud-cx' ? multicloudCx(port, host) : genesysCloud(port, host);
}
