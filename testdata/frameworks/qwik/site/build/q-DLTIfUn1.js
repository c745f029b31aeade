import{_ as o}from"./q-flyWGQKF.js";import{y as _,L as r}from"./q-DlUselKY.js";const a=_(r(()=>o(()=>import("./q-DEHqxo1v.js"),[]),"s_0h1dXGQPJL4"));export{a as default};
//# sourceMappingURL=q-DLTIfUn1.js.map
