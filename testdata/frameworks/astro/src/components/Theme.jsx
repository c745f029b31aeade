import { useState } from "preact/hooks";

export default function Theme() {
  const [dark, setDark] = useState(false);
  return <button onClick={() => setDark(!dark)}>{dark ? "dark" : "light"}</button>;
}
