// hookd console: small enhancements. Every page works without this script;
// it adds copying to the clipboard, revealing secrets by click or touch,
// and opens dialogs and the side panel in place instead of loading a page.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  // <button data-copy="ID"> copies the text of the element ID's .plain
  // child, or of the element itself.
  function onCopy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) { return; }
    var plain = target.querySelector(".plain") || target;
    var status = document.getElementById(button.getAttribute("data-copy") + "-status");
    copyText(plain.textContent.trim()).then(function () {
      if (status) { status.textContent = "Copied"; }
      button.setAttribute("data-copied", "true");
      setTimeout(function () { if (status) { status.textContent = ""; } }, 4000);
    }, function () {
      if (status) { status.textContent = "Press Ctrl+C to copy"; }
      target.classList.add("revealed");
      var range = document.createRange();
      range.selectNodeContents(plain);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    });
  }

  // <a data-open="ID" href="…"> opens the <dialog id="ID"> in place.
  function onOpen(link, event) {
    var dialog = document.getElementById(link.getAttribute("data-open"));
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    event.preventDefault();
    if (dialog.open) { dialog.close(); }
    dialog.showModal();
    var first = dialog.querySelector("[autofocus], input:not([type=hidden]), select, textarea, button");
    if (first) { first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-copy], [data-open], [data-close], .secret-value");
    if (!el) { return; }
    if (el.hasAttribute("data-copy")) {
      event.preventDefault();
      onCopy(el);
    } else if (el.hasAttribute("data-open")) {
      onOpen(el, event);
    } else if (el.hasAttribute("data-close")) {
      var d = el.closest("dialog");
      if (d) { event.preventDefault(); d.close(); }
    } else {
      el.classList.toggle("revealed");
    }
  });

  // Open the dialog the server rendered open (a link followed without
  // this script, or a form answered with errors) as a modal, so Escape and
  // the backdrop work.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("dialog[open][data-modal]").forEach(function (d) {
      d.close();
      d.showModal();
    });
    // Close open action menus when another is opened.
    document.querySelectorAll("details.actions").forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (!menu.open) { return; }
        document.querySelectorAll("details.actions[open]").forEach(function (other) {
          if (other !== menu) { other.open = false; }
        });
      });
    });
  });
})();
