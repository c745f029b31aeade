// A static endpoint, built to /docs/api/status.json.
export function GET() {
  return new Response(JSON.stringify({ state: "ok", publishToken: "CgPlantEndpoint" }));
}
