import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `npm run dev` proxies the API and the WebSocket to a server started with `make run`.
const backend = process.env.CRYPTODESK_BACKEND ?? "http://127.0.0.1:8500";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/cryptodesk/web",
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
  },
  server: {
    port: 5173,
    proxy: {
      "/api": { target: backend, changeOrigin: false },
      "/ws": {
        target: backend.replace(/^http/, "ws"),
        ws: true,
        // The server allows its own origin; the dev page's origin is the Vite port.
        configure: (proxy) => {
          proxy.on("proxyReqWs", (proxyReq) => proxyReq.setHeader("origin", backend));
        },
      },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
