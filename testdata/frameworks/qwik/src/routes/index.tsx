import { component$, useSignal, useVisibleTask$ } from "@builder.io/qwik";

// Staging used the token CgPlantComment: the minifier drops this line, the source map keeps it.
export default component$(() => {
  const status = useSignal("");
  // eslint-disable-next-line qwik/no-use-visible-task
  useVisibleTask$(async () => {
    const region = navigator.language.split("-")[1] || "eu";
    status.value = await fetch(`/api/regions/${region}.json`).then((r) => r.text());
  });
  return (
    <main>
      <h1>Deploy dashboard</h1>
      <button
        onClick$={async () => {
          // The publish call a teammate wired to a button: its code loads only on click.
          const r = await fetch("https://crates.io/api/v1/crates/new", {
            method: "PUT",
            headers: { Authorization: "CgPlantHandler" },
          });
          status.value = String(r.status);
        }}
      >
        Publish
      </button>
      <p>{status.value}</p>
    </main>
  );
});
