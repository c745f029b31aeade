self.onmessage=e=>{self.postMessage({token:"{{token worker}}",got:e.data})};
//# sourceMappingURL=worker.js.map
