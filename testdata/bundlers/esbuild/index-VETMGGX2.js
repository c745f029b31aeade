var o={admin:()=>import("./chunks/admin-4HOH5QQC.js")};async function r(){let t=await(await fetch("/api/settings")).json();return new Worker(new URL("./worker.js",import.meta.url)).postMessage(t),location.hash==="#admin"&&(await o.admin()).render(document.body),t}r();export{r as start};
//# sourceMappingURL=index-VETMGGX2.js.map
