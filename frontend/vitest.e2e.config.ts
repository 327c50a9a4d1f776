// Browser end-to-end tests: a real `skylabel start` on a free port with a fresh data dir (e2e/server.ts),
// driven through Debian's Chromium by playwright-core. Files run one after another: two cores, one browser.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    globalSetup: ["e2e/server.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    environment: "node",
  },
});
