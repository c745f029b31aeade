import{v as r}from"./q-DlUselKY.js";import{x as c}from"./q-DlUselKY.js";const e=o=>{const[t]=r();if(!t.submitted)return t.submit(o)};export{c as _hW,e as s_IlcOAIwjIjE};
//# sourceMappingURL=q-DvefllAm.js.map
