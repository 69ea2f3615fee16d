// Cupola dashboards (Observable Framework). Every library is imported from node_modules (no CDN): the build works
// offline and the pages reference no external URL. Data loaders read the dbt marts (aggregates only).
export default {
  title: "Cupola · Monitoraggio CUP",
  root: "src",
  output: process.env.CUPOLA_DASHBOARDS_OUT || "dist", // bench/pageload builds into its own folder
  lang: "it",
  globalStylesheets: [],
  style: "style.css",
  search: false,
  pager: false,
  toc: false,
  footer: "Cupola — dati sintetici aggregati dal data warehouse (dbt). Nessun dato personale.",
  pages: [
    {name: "Panoramica regionale", path: "/"},
    {name: "Classi di priorità", path: "/classi-priorita"},
    {name: "Prossima disponibilità", path: "/prossima-disponibilita"},
    {name: "Obiettivi di volume", path: "/obiettivi-volumi"},
    {name: "Saturazione dell'offerta", path: "/saturazione"},
    {name: "Liste d'attesa", path: "/liste-attesa"},
    {name: "Mancate presentazioni", path: "/no-show"},
    {name: "Domanda e offerta", path: "/domanda-offerta"},
    {name: "Allarmi", path: "/allarmi"}
  ]
};
