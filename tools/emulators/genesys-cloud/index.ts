export { GenesysEmulator, DEFAULT_QUEUE_ID } from './emulator';
export { signWebhookBody } from './outbound-webhooks';
export * from './types';
