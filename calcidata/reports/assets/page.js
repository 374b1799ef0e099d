/* calcidata report pages: sortable and filterable tables, CSV downloads, layered sections,
   phone cards, print. */
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.add("calcidata-js");
  function text(cell) { return cell ? cell.textContent.replace(/\s+/g, " ").trim() : ""; }
  function number(s) {
    var m = /^[-\u2212+]?\d[\d,]*(\.\d+)?/.exec(s);
    return m ? parseFloat(m[0].replace(/,/g, "").replace("\u2212", "-")) : null;
  }
  function compare(a, b) {
    var x = number(a), y = number(b);
    if (x !== null && y !== null && x !== y) return x - y;
    return a.localeCompare(b);
  }
  function sortable(table, box) {
    var body = table.tBodies[0];
    if (!body || !table.tHead || body.rows.length < 2) return;
    var rows = [].slice.call(body.rows);
    var heads = [].slice.call(table.tHead.rows[table.tHead.rows.length - 1].cells);
    heads.forEach(function (th, i) {
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "calcidata-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var keyed = rows.map(function (r, n) { return [text(r.cells[i]), n, r]; });
        keyed.sort(function (a, b) {
          return (up ? compare(a[0], b[0]) : compare(b[0], a[0])) || a[1] - b[1];
        });
        keyed.forEach(function (k) { body.appendChild(k[2]); });
      });
    });
    if (rows.length < 6) return;
    var tools = box.previousElementSibling;
    if (!tools || !tools.classList.contains("calcidata-table-tools")) return;
    var input = doc.createElement("input");
    input.type = "search";
    input.className = "calcidata-filter";
    input.placeholder = "Filter rows";
    input.setAttribute("aria-label", "Filter the rows of the table below");
    var count = doc.createElement("span");
    count.className = "calcidata-count";
    count.setAttribute("aria-live", "polite");
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
      rows.forEach(function (r) {
        var t = r.textContent.toLowerCase();
        r.hidden = !words.every(function (w) { return t.indexOf(w) >= 0; });
        if (!r.hidden) shown += 1;
      });
      count.textContent = words.length ? shown + " of " + rows.length + " rows" : "";
    });
    tools.appendChild(input);
    tools.appendChild(count);
  }
  /* The header cell of each column (a header of several rows, rowspan, colspan). */
  function columns(table) {
    var grid = [], rows = table.tHead ? table.tHead.rows : [];
    [].forEach.call(rows, function (tr, r) {
      grid[r] = grid[r] || [];
      var c = 0;
      [].forEach.call(tr.cells, function (th) {
        while (grid[r][c]) c += 1;
        for (var dr = 0; dr < th.rowSpan; dr++)
          for (var dc = 0; dc < th.colSpan; dc++)
            (grid[r + dr] = grid[r + dr] || [])[c + dc] = th;
        c += th.colSpan;
      });
    });
    return rows.length ? grid[rows.length - 1] : [];
  }
  /* Summary of findings: each cell under its column's name (a card per outcome on a phone). */
  function label(table) {
    var heads = columns(table).map(text);
    [].forEach.call(table.tBodies[0] ? table.tBodies[0].rows : [], function (tr) {
      [].forEach.call(tr.cells, function (td, i) {
        if (i > 0 && heads[i] && !td.hasAttribute("data-label")) td.setAttribute("data-label", heads[i]);
      });
    });
  }
  /* The CSV of a table, as calcidata writes it: a column whose header names several CSV
     columns (data-csv="A|B") takes one from each part of its cell. */
  function field(s) {
    s = s.replace(/\u00a0/g, " ");
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function csv(table) {
    var heads = columns(table), names = [], lines = [];
    heads.forEach(function (th) {
      names.push.apply(names, th.dataset.csv ? th.dataset.csv.split("|") : [th.textContent]);
    });
    lines.push(names.map(field).join(","));
    [].forEach.call(table.tBodies, function (body) {
      [].forEach.call(body.rows, function (tr) {
        var values = [];
        [].forEach.call(tr.cells, function (td, i) {
          if (heads[i] && heads[i].dataset.csv) {
            [].forEach.call(td.children, function (part) {
              if (part.tagName !== "BR") values.push(part.textContent);
            });
          } else values.push(td.textContent);
        });
        lines.push(values.length === 1 && values[0] === "" ? '""' : values.map(field).join(","));
      });
    });
    return "\ufeff" + lines.join("\n") + "\n";
  }
  doc.addEventListener("click", function (event) {
    var a = event.target.closest && event.target.closest("a.calcidata-csv");
    var next = a && a.closest("p") && a.closest("p").nextElementSibling;
    var table = next && (next.tagName === "TABLE" ? next : next.querySelector("table"));
    if (table) a.href = "data:text/csv;charset=utf-8," + encodeURIComponent(csv(table));
  });
  function openTo(target) {
    for (var e = target; e; e = e.parentElement) if (e.tagName === "DETAILS") e.open = true;
  }
  function openHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && doc.getElementById(id);
    if (target) { openTo(target); target.scrollIntoView(); }
  }
  /* A figure fits its box unless that would make its text smaller than 10 px (9 px on a
     phone): then it keeps that much and scrolls in its own box. */
  function figures() {
    var least = window.matchMedia("(max-width: 700px)").matches ? 9 : 10;
    doc.querySelectorAll("main svg[role=img]").forEach(function (svg) {
      var box = svg.viewBox && svg.viewBox.baseVal, width = svg.getAttribute("width") || "";
      if (!box || !box.width) return;
      var px = parseFloat(width) * (/pt$/.test(width) ? 4 / 3 : 1), smallest = Infinity;
      svg.querySelectorAll("text").forEach(function (t) {
        var size = parseFloat(getComputedStyle(t).fontSize);
        if (size && t.textContent.trim()) smallest = Math.min(smallest, size);
      });
      if (!isFinite(smallest) || !px) return;
      var shown = smallest * px / box.width;  /* its text at the figure's own size */
      svg.style.setProperty("--calcidata-min", Math.ceil(Math.min(px, 1.01 * px * least / shown)) + "px");
      /* a box that scrolls can be scrolled with the keyboard too */
      var box2 = svg.parentElement;
      if (box2 && box2.scrollWidth > box2.clientWidth + 1) box2.tabIndex = 0;
      else if (box2) box2.removeAttribute("tabindex");
    });
  }
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = [].slice.call(doc.querySelectorAll("details:not([open])"));
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
  });
  window.addEventListener("hashchange", openHash);
  doc.addEventListener("DOMContentLoaded", function () {
    doc.querySelectorAll("table.calcidata-sof").forEach(label);
    doc.querySelectorAll("div.calcidata-plain").forEach(function (box) {
      var table = box.querySelector("table");
      if (table) sortable(table, box);
    });
    var toc = doc.querySelector("nav.calcidata-toc details");
    if (toc && window.matchMedia("(max-width: 999px)").matches) toc.open = false;
    if (location.hash) openHash();
    figures();
    window.matchMedia("(max-width: 700px)").addEventListener("change", figures);
  });
})();
