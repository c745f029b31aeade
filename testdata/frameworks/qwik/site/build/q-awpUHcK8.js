import{v as e}from"./q-DlUselKY.js";import{x as v}from"./q-DlUselKY.js";const s=()=>{const[r,t]=e();return t(r)};export{v as _hW,s as s_8tI8a30z7aA};
//# sourceMappingURL=q-awpUHcK8.js.map
