export { startDemo, type Demo, type DemoOptions } from './start-demo';
export { RedisUnavailableError } from './redis';
