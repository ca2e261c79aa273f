// hyoka: Japanese headings, wide text columns and short ids on a hyoka database's pages.
// The labels come from the page itself (script#hyoka-labels), written by the plugin.
const source = document.getElementById("hyoka-labels");
const labels = source ? JSON.parse(source.textContent) : {};

function relabel(element, name) {
  const label = labels[name];
  if (!label || label === name) return;
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.textContent.includes(name)) {
      node.textContent = node.textContent.replace(name, label);
      element.title = name;
      return;
    }
  }
}

for (const table of document.querySelectorAll("table.rows-and-columns")) {
  const heads = [...table.querySelectorAll("thead th")];
  heads.forEach((th, index) => {
    const name = th.dataset.column || th.textContent.trim();
    relabel(th, name);
    const cells = table.querySelectorAll(`tbody tr > td:nth-child(${index + 1})`);
    const longest = Math.max(0, ...[...cells].map((td) => td.textContent.length));
    if (longest > 40) th.classList.add("hyoka-wide");
    else if (longest > 12) th.classList.add("hyoka-medium");
  });
}
for (const facet of document.querySelectorAll(".facet-info[data-column]")) {
  const title = facet.querySelector(".facet-info-name strong") || facet.querySelector("strong");
  if (title) relabel(title, facet.dataset.column);
}

// 64-hex SHA-256s (a report's sha256) shown short, whole in a tooltip
const sha = /[0-9a-f]{64}/;
for (const cell of document.querySelectorAll("table.rows-and-columns td, table.rows-and-columns td a")) {
  for (const node of [...cell.childNodes]) {
    if (node.nodeType !== Node.TEXT_NODE || !sha.test(node.textContent)) continue;
    const span = document.createElement("span");
    span.className = "hyoka-short";
    span.title = node.textContent;
    span.textContent = node.textContent.replace(/([0-9a-f]{8})[0-9a-f]{56}/g, "$1…");
    node.replaceWith(span);
  }
}
