var n={registryToken:"{{token admin}}"};function t(e){e.dataset.token=n.registryToken}export{n as config,t as render};
//# sourceMappingURL=admin-4HOH5QQC.js.map
