// A worker started by the island.
self.postMessage({ auth: "CgPlantWorker" });
