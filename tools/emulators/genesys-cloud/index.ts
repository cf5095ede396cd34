export { GenesysEmulator, DEFAULT_QUEUE_ID, DEFAULT_THREADING_TIMELINE_SECONDS } from './emulator';
export { signWebhookBody } from './outbound-webhooks';
export * from './types';
export type { DeliveryRecord } from '../shared/signed-webhooks';
