// Not linked either: its module is named in the route manifest.
export async function clientLoader() {
  const flags = await fetch("/api/flags.json").then((r) => r.json());
  const env = window.location.hostname.split(".")[0];
  const extra = await fetch(`/api/env/${env}.json`).then((r) => r.json());
  return { flags, extra, key: "CgPlantModule" };
}

export default function Admin({ loaderData }) {
  return <pre>{JSON.stringify(loaderData.flags)}</pre>;
}
