self.onmessage=e=>{self.postMessage({token:"{{token worker}}",got:e.data})};
//# sourceMappingURL=worker.13da7cfe.js.map
