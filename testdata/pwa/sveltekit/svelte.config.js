import adapter from "@sveltejs/adapter-static";

// A static SvelteKit build: every page prerendered, src/service-worker.js
// bundled and registered by SvelteKit itself.
export default { kit: { adapter: adapter() } };
