import{v as s}from"./q-DlUselKY.js";import{x as u}from"./q-DlUselKY.js";const n=async()=>{const[t]=s(),a=navigator.language.split("-")[1]||"eu";t.value=await fetch(`/api/regions/${a}.json`).then(o=>o.text())};export{u as _hW,n as s_d83lQ7uFu5A};
//# sourceMappingURL=q-DjSBNIxj.js.map
