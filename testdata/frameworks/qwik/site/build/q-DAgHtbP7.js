import{_ as r}from"./q-flyWGQKF.js";import{J as o}from"./q-CJxFJJgP.js";import{y as s,L as t,W as a}from"./q-DlUselKY.js";const i=o(a("s_fydqKPsfXhI")),m=s(t(()=>r(()=>import("./q-RL7M6JAU.js"),[]),"s_zXfErNAfEaE"));export{m as default,i as useMirror};
//# sourceMappingURL=q-DAgHtbP7.js.map
