import { Component, inject } from "@angular/core";
import { HttpClient } from "@angular/common/http";
import { RouterOutlet } from "@angular/router";
import { environment } from "../environment";

@Component({
  selector: "app-root",
  imports: [RouterOutlet],
  template: `<h1>Registry console</h1><router-outlet />`,
})
export class AppComponent {
  private http = inject(HttpClient);
  constructor() {
    this.http.get("/config/app.json", { headers: { "X-Registry": environment.registryToken } }).subscribe();
    const stage = location.hostname.split(".")[0];
    this.http.get(`/config/${stage}.json`).subscribe();
    if (typeof Worker !== "undefined") {
      new Worker(new URL("./sync.worker", import.meta.url), { type: "module" });
    }
  }
}
