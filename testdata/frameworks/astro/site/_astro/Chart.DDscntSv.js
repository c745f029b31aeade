function t(){return fetch("https://charts.example.net/render",{headers:{Authorization:"CgPlantLazy"}})}export{t as draw};
//# sourceMappingURL=Chart.DDscntSv.js.map
