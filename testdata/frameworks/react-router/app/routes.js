import { index, route } from "@react-router/dev/routes";

export default [
  index("routes/home.jsx"),
  route("ops/status", "routes/status.jsx"),
  route("admin", "routes/admin.jsx"),
];
