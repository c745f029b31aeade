import{_ as t}from"./q-flyWGQKF.js";const o=[["/",[()=>t(()=>import("./q-DLTIfUn1.js"),[])]],["internal/",[()=>t(()=>import("./q-DAgHtbP7.js"),[])]]],e=[];const r=!0;export{r as c,e as m,o as r};
//# sourceMappingURL=q-bDicdVAz.js.map
