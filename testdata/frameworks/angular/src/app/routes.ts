import { Routes } from "@angular/router";

export const routes: Routes = [
  { path: "publish", loadComponent: () => import("./publish.component").then((m) => m.PublishComponent) },
];
