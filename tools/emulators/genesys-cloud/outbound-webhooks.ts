import { createHmac } from 'node:crypto';
import { DispatcherOptions, DeliveryRecord, WebhookDispatcher as SignedWebhookDispatcher } from '../shared/signed-webhooks';

// The dispatcher moved to tools/emulators/shared/signed-webhooks.ts (shared by the emulators); this is Genesys Cloud's signing.
export type { WebhookTarget } from '../shared/signed-webhooks';

/** `X-Hub-Signature-256` value: base64 HMAC-SHA256 of the exact body bytes, `sha256=` prefixed. */
export function signWebhookBody(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;
}

/** Open Messaging's outbound webhooks: signed `X-Hub-Signature-256`. */
export class WebhookDispatcher extends SignedWebhookDispatcher {
  constructor(options: Omit<DispatcherOptions, 'signing'>, onUpdate: (lane: string, delivery: DeliveryRecord) => void) {
    super({ ...options, signing: { header: 'x-hub-signature-256', sign: signWebhookBody } }, onUpdate);
  }
}
