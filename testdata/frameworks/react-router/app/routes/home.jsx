export default function Home() {
  return <h1>Registry mirror</h1>;
}
