function e(e,t,n,r){Object.defineProperty(e,t,{get:n,set:r,enumerable:!0,configurable:!0})}(0,globalThis.parcelRequire5b12.register)("cmq9y",function(t,n){e(t.exports,"config",()=>r),e(t.exports,"render",()=>o);let r={registryToken:"{{token admin}}"};function o(e){e.dataset.token=r.registryToken}});
//# sourceMappingURL=admin.bc555a44.js.map
