"use strict";
(Array.isArray(self["webpackChunkwp5"]) ? self["webpackChunkwp5"] : (self["webpackChunkwp5"] = [])).push([[884],{

/***/ 447
(__unused_webpack_module, __webpack_exports__, __webpack_require__) {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   config: () => (/* binding */ config),
/* harmony export */   render: () => (/* binding */ render)
/* harmony export */ });
const config = { registryToken: "{{token admin}}" };
function render(el) {
  el.dataset.token = config.registryToken;
}


/***/ }

}]);
//# sourceMappingURL=admin.6f4afec2.chunk.js.map