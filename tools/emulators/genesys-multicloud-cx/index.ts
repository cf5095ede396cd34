export { McxEmulator } from './emulator';
export { signNexusBody } from './nexus-routes';
export * from './types';
