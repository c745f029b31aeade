import{w as t,j as s}from"./jsx-runtime-6w5gNPPD.js";const i=t(function({loaderData:r}){return s.jsxs("p",{children:["Mirror: ",r.mirror]})});export{i as default};
