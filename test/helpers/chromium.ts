/**
 * Debian's Chromium for the page's browser tests and benchmark: where it is
 * (RNNLM_CHROMIUM overrides) and the flags it needs on this machine —
 * headless, no sandbox (CI runs as root), and no background traffic, which a
 * closed network refuses many times at every start.
 */
export const CHROMIUM = process.env.RNNLM_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
