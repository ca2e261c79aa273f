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

// Stored values in Japanese where a reader meets them: facet lists (the cells come so from
// the plugin's render_cell); the raw value stays in the link and a tooltip, for SQL users.
const valueSource = document.getElementById("hyoka-values");
const values = valueSource ? JSON.parse(valueSource.textContent) : {};
for (const [column, names] of Object.entries(values)) {
  for (const item of document.querySelectorAll(`.facet-info[data-column="${column}"] li`)) {
    const target = item.querySelector("a:not(.cross)") || item;
    for (const node of target.childNodes) {
      const raw = node.nodeType === Node.TEXT_NODE ? node.textContent.trim().split(" · ")[0] : null;
      if (raw && names[raw]) {
        node.textContent = node.textContent.replace(raw, names[raw]);
        target.title = raw;
        break;
      }
    }
  }
}

// Datasette's own export links are for scripts (English headings, no BOM): say so, beside
// the Excel download people want.
for (const links of document.querySelectorAll("p.export-links")) {
  links.classList.add("hyoka-raw-exports");
  const first = links.firstChild;
  if (first && first.nodeType === Node.TEXT_NODE) first.textContent = "スクリプト用のデータ（英語の列名、UTF-8）: ";
}

// A cell holds two lines at most, so that a screen shows ten rows; a long text gets a
// button beside it that shows the whole (and the row's page has it whole too).
for (const cell of document.querySelectorAll("table.rows-and-columns td")) {
  if (cell.textContent.length < 5 || cell.querySelector("a, span.hyoka-rating")) continue;
  const clip = document.createElement("div");
  clip.className = "hyoka-clip";
  clip.append(...cell.childNodes);
  cell.append(clip);
  if (cell.textContent.length < 60) continue;
  const more = document.createElement("button");
  more.className = "hyoka-more";
  more.type = "button";
  more.textContent = "全文";
  more.addEventListener("click", () => {
    const open = clip.classList.toggle("hyoka-open");
    more.textContent = open ? "閉じる" : "全文";
  });
  cell.append(more);
}

// A canned query's year or series box becomes a list of what the database holds; left at
// 最新 (empty), the query takes the latest.
const choiceSource = document.getElementById("hyoka-choices");
const choices = choiceSource ? JSON.parse(choiceSource.textContent) : {};
for (const [name, options] of Object.entries(choices)) {
  const input = document.querySelector(`form.sql input[name="${name}"]`);
  if (!input || !options.length) continue;
  const select = document.createElement("select");
  select.name = name;
  select.id = input.id;
  const latest = new Option(name === "series" ? "すべて" : "最新", "");
  select.add(latest);
  for (const [value, label] of options) select.add(new Option(label, value, false, value === input.value));
  input.replaceWith(select);
}

// Datasette's row count in Japanese: "58 rows" -> "58件", "2 rows where search matches "防災"" -> "2件（検索: 防災）"
for (const count of document.querySelectorAll("body.hyoka h3")) {
  const text = count.textContent.trim().replace(/\s+/g, " ");
  const found = text.match(/^([\d,]+) rows?(?: where search matches "(.*)")?$/);
  if (found) count.textContent = `${found[1]}件` + (found[2] ? `（検索: ${found[2]}）` : "");
}
