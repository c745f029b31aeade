(function(){"use strict";self.onmessage=e=>{self.postMessage({token:"{{token worker}}",got:e.data})}})();
//# sourceMappingURL=worker-Cx7i9otC.js.map
