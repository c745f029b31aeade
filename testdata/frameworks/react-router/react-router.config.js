// Framework mode, no server: every static route prerendered at build time.
export default { ssr: false, prerender: true };
