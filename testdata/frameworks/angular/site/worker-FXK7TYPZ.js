postMessage({auth:"CgPlantWorker"});
