// Not linked from any page: prerendered, listed only in the route manifest.
export async function loader() {
  return { mirror: "ok", syncToken: "CgPlantLoader" };
}

export default function Status({ loaderData }) {
  return <p>Mirror: {loaderData.mirror}</p>;
}
