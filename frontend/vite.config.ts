// The SPA's build: one entry (index.html), hashed assets under dist/assets. The Label Studio editor is not
// bundled: scripts/vendor-editor.mjs puts its prebuilt builds (1.4.0 and 1.13.1) in
// public/vendor/label-studio-<version>/, copied as-is, and pages load the one a config needs on demand
// (see src/editor/loader.ts).
import { defineConfig } from "vitest/config";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  resolve: { alias: { react: "preact/compat", "react-dom": "preact/compat" } },
  build: { target: "es2022", sourcemap: true, chunkSizeWarningLimit: 200 },
  server: {
    host: "127.0.0.1",
    proxy: { "/api": "http://127.0.0.1:8080", "/local-blob": "http://127.0.0.1:8080" },
  },
  test: { environment: "jsdom", include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"] },
});
