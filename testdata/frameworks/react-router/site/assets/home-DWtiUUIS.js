import{w as o,j as r}from"./jsx-runtime-6w5gNPPD.js";const s=o(function(){return r.jsx("h1",{children:"Registry mirror"})});export{s as default};
