import{_ as o}from"./q-flyWGQKF.js";import{y as r,L as t}from"./q-DlUselKY.js";const s=r(t(()=>o(()=>import("./q-PNO1rMKa.js"),[]),"s_SS1W7RadPC0"));export{s as default};
//# sourceMappingURL=q-D7sDiWx-.js.map
