const n={registryToken:"{{token admin}}"};function t(e){e.dataset.token=n.registryToken}export{n as config,t as render};
//# sourceMappingURL=admin-COGsSdLK.js.map
