import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import { serviceWorker } from "./tools/serviceWorker.ts";

// `npm run dev` proxies the API and the gateway to a node on 127.0.0.1:8080 (scripts/run).
export default defineConfig({
  plugins: [react(), serviceWorker("src/pwa/sw.ts")],
  // No source maps: the served build must not hand out the sources.
  build: { outDir: "dist", sourcemap: false },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8080",
      "/ws": { target: "ws://127.0.0.1:8080", ws: true },
    },
  },
  // desktop/src: the desktop app's plain modules (its own tsconfig, same test run).
  test: { environment: "node", include: ["src/**/*.test.ts", "tools/**/*.test.ts", "desktop/src/**/*.test.ts"] },
});
