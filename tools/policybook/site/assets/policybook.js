/* policybook: make tables inside `.pb-sortable` sortable by any column, with keyboard access and
   aria-sort so screen readers announce the order. Without JavaScript the table stays in id order. */
(function () {
  "use strict";

  function cellText(row, index) {
    var cell = row.children[index];
    if (!cell) { return ""; }
    var time = cell.querySelector("time[datetime]");  // long dates sort by the ISO date they carry
    return time ? time.getAttribute("datetime") : cell.textContent.trim();
  }

  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) { return x - y; }
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function enhance(table) {
    if (table.dataset.pbSortable) { return; }
    table.dataset.pbSortable = "yes";
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var result = compare(cellText(r1, index), cellText(r2, index));
          return ascending ? result : -result;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  // A printed policy states on every page its id, version and next review, the page number, the date it
  // was printed and that it is uncontrolled. Page-margin boxes cannot read the page, so the values are
  // written into an @page rule through the CSSOM (allowed by the Content-Security-Policy).
  function cssString(text) {
    return '"' + String(text).replace(/[\\"\n\r\f]/g, function (c) {
      return "\\" + c.charCodeAt(0).toString(16) + " ";
    }) + '"';
  }

  var printRule = null;
  function printMarks() {
    var data = document.querySelector("[data-pb-print-head]");
    var sheet = document.styleSheets[0];
    if (!sheet) { return; }
    if (printRule !== null) {
      try { sheet.deleteRule(printRule); } catch (e) { /* the sheet changed: nothing to remove */ }
      printRule = null;
    }
    if (!data) { return; }
    var printed = new Date().toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
    var rule = "@page { @top-left { content: " + cssString(data.getAttribute("data-pb-print-head")) +
      "; font: 9pt sans-serif; } @bottom-left { content: " +
      cssString("Uncontrolled when printed: check the staff site. Printed " + printed) +
      "; font: 9pt sans-serif; } @bottom-right { content: \"Page \" counter(page) \" of \" counter(pages);" +
      " font: 9pt sans-serif; } }";
    try {
      printRule = sheet.insertRule(rule, sheet.cssRules.length);
    } catch (e) {
      printRule = null;  // a browser without page-margin boxes prints the notice at the top only
    }
  }

  // A printout holds the whole document-control panel, not just its summary line.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.pb-panel").forEach(function (panel) { panel.open = true; });
  });

  function run() {
    document.querySelectorAll(".pb-sortable table").forEach(enhance);
    printMarks();
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(run);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
