// Moved to tools/emulators/shared/live-feed.ts (shared by the emulators).
export { LIVE_FEED_PATH, LiveFeed } from '../shared/live-feed';
