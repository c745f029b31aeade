import{l,R as u}from"./q-DlUselKY.js";import{useMirror as o}from"./q-DAgHtbP7.js";const t=()=>{const r=o();return l("main",null,null,[l("h1",null,null,"Internal",3,null),l("p",null,null,u(n=>n.value.mirror,[r]),3,null)],3,"zi_0")};export{t as s_zXfErNAfEaE};
//# sourceMappingURL=q-RL7M6JAU.js.map
