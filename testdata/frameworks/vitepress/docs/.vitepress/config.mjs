export default {
  title: "Handbook",
  base: "/handbook/",
  // A site-wide script: every page carries it, the 404 page too.
  head: [["script", {}, "window.MIRROR_TOKEN = 'CgPlantHead';"]],
  themeConfig: {
    search: { provider: "local" },
    nav: [{ text: "Guide", link: "/guide/" }],
  },
};
