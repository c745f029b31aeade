// Imported by the generated service worker (workbox.importScripts): a key
// in the worker's own code, and a config only the worker asks for.
self.swKey = "{{token swstatic}}";
fetch(["/sw", "config.json"].join("-")).then((r) => r.text());
