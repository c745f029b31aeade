/// <reference lib="webworker" />
// A web worker: Angular bundles it to its own file.
postMessage({ auth: "CgPlantWorker" });
