import { component$ } from "@builder.io/qwik";
import { routeLoader$ } from "@builder.io/qwik-city";

// Linked from nowhere: the route is named in Qwik City's route table.
export const useMirror = routeLoader$(() => ({ mirror: "ok", syncToken: "CgPlantLoader" }));

export default component$(() => {
  const mirror = useMirror();
  return <main><h1>Internal</h1><p>{mirror.value.mirror}</p></main>;
});
