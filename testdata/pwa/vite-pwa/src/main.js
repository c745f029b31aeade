// A build-time key (the static scan finds it in the bundle), and a config
// whose path only the running code puts together.
const key = "{{token static}}";
const env = ["prod", "uction"].join("");
fetch("/" + ["conf", "ig"].join("") + "/" + env + ".json")
  .then((r) => r.json())
  .then((c) => { document.getElementById("out").textContent = "ready " + key.length + " " + Object.keys(c).length; });
