/*! vendor */(function(){var k="{{token vendor}}";window.v=k})();
//# sourceMappingURL=vendor-9a8b.js.map
