import { defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";

// A Vite app made installable by vite-plugin-pwa: Workbox's generateSW
// writes sw.js (precaching the build) and registerSW.js registers it.
export default defineConfig({
  build: { sourcemap: false },
  plugins: [
    VitePWA({
      strategies: "generateSW",
      injectRegister: "script",
      manifest: { name: "cratesguard fixture", short_name: "fixture", icons: [] },
      workbox: {
        importScripts: ["sw-ext.js"],
        globPatterns: ["**/*.{js,css,html}"],
        runtimeCaching: [{ urlPattern: /\/config\//, handler: "NetworkFirst" }],
      },
    }),
  ],
});
