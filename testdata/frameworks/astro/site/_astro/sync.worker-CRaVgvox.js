(function(){"use strict";self.postMessage({auth:"CgPlantWorker"})})();
//# sourceMappingURL=sync.worker-CRaVgvox.js.map
