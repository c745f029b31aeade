self.onmessage=e=>{self.postMessage({token:"{{token worker}}",got:e.data})};
//# sourceMappingURL=408.f9f5c4df.chunk.js.map