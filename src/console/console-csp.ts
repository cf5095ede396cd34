/**
 * Content-Security-Policy of the console's pages, stricter than helmet's default for the rest of the service: the
 * console loads only its own scripts, styles and the chart library from this origin, calls only this origin's
 * API, frames only the queue board (same origin), and is never framed itself. No inline script or style.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The queue board (Bull Board's own UI, served from node_modules): its scripts and API on this origin. Its page and
 * its React bundle apply inline styles (style attributes and elements that change with each Bull Board release), so
 * styles may be inline there and only there; scripts never.
 * Its Google Fonts link is blocked (no CDN): it falls back to the system fonts. It may be framed by the console only.
 */
export const QUEUE_BOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');
