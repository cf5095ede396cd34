export { startDemo, type Demo, type DemoOptions } from './start-demo';
export { RedisUnavailableError } from './redis';
export { DEMO_PROVIDERS, type DemoProvider } from './contact-centers';
