/******/ (() => { // webpackBootstrap
self.onmessage = (e) => { self.postMessage({ token: "{{token worker}}", got: e.data }); };

/******/ })()
;
//# sourceMappingURL=408.65b608f4.chunk.js.map