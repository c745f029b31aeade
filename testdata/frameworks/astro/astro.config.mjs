import { defineConfig } from "astro/config";
import preact from "@astrojs/preact";

export default defineConfig({
  site: "https://example.com",
  base: "/docs",
  integrations: [preact()],
  vite: { build: { sourcemap: true } },
});
