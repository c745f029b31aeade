import{H as u,I as t}from"./q-CJxFJJgP.js";import{_ as n,l}from"./q-DlUselKY.js";const i=()=>n(t,{children:[l("head",null,null,[l("meta",null,{charset:"utf-8"},null,3,null),l("title",null,null,"Qwik fixture",3,null)],3,null),l("body",null,null,n(u,null,3,"wL_0"),1,null)]},1,"wL_1");export{i as s_SS1W7RadPC0};
//# sourceMappingURL=q-PNO1rMKa.js.map
