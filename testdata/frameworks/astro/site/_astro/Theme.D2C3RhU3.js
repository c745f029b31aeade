import{d as o}from"./hooks.module.U7jXgFsU.js";import{u as e}from"./jsxRuntime.module.aCHev9uz.js";import"./preact.module.DWBzrYM1.js";function m(){const[r,t]=o(!1);return e("button",{onClick:()=>t(!r),children:r?"dark":"light"})}export{m as default};
//# sourceMappingURL=Theme.D2C3RhU3.js.map
