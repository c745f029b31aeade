import { Component } from "@angular/core";

// A lazy route: its chunk is named in the main bundle's dynamic import.
@Component({ selector: "app-publish", template: `<p>Publishing as {{ token }}</p>` })
export class PublishComponent {
  token = "CgPlantLazy";
}
