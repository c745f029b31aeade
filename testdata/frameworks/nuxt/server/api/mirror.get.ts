// Server code: it runs at prerender time only; what it returns lands in the page's payload.
export default defineEventHandler(() => ({ mirror: "ok", syncToken: "CgPlantPayload" }));
