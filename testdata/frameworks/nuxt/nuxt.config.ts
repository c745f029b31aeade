export default defineNuxtConfig({
  compatibilityDate: "2025-07-15",
  devtools: { enabled: false },
  sourcemap: { client: false },
  runtimeConfig: {
    // Public runtime config is inlined into every page, the 404 page too.
    public: { registryMirrorToken: "CgPlantPublic" },
  },
  nitro: { prerender: { routes: ["/internal"] } },
});
